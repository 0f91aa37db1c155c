"""The embedded sandbox behind ``--target local``: moto's server with a real local
Lambda runtime, in one background process.

- ``control``      start / stop / find the background process (imports fast; the CLI's API)
- ``server``       the process itself: ``python -m lambdactl.local.server``
- ``auth``         only requests signed with the sandbox's own credentials reach moto
- ``enforce``      IAM: handlers act as their execution role, moto's policy evaluation decides
- ``patch``        swaps moto's Docker-only ``LambdaFunction.invoke`` for ``runtime``
- ``strict``       S3 / IAM checks that AWS makes and moto does not; ``eventbridge``
- ``runtime``      warm execution environments (``environment``, ``invocation``)
- ``proctree``     each environment a process tree: memory, kill, escaped processes
- ``codecache``    code and layers unzipped read-only, verified before each use
- ``pythons``      the declared Python, the runtime's own libraries, native code checks
- ``bootstrap``    the first code of every environment (sys.path, subreaper)
- ``runtime_api``  the Lambda Runtime API those children talk to
- ``output``, ``cwlogs``  the children's output, line by line, into CloudWatch Logs
- ``inventory``    what the sandbox holds, in every region (``local status``)

When a function declares another Python than the host's (python3.12 on a 3.11
host) and no working python3.12 is on PATH, the sandbox warns once per function:
one line in the sandbox log, and the same line at the top of that function's log
group (before the first cold start's output) so that ``lambdactl logs`` shows it
where the user looks. Native code built for another Python or CPU gets such a line too.
"""
