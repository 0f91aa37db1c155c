"""The embedded sandbox behind ``--target local``: moto's server with a real local
Lambda runtime, in one background process.

- ``control``      start / stop / find the background process (imports fast; the CLI's API)
- ``server``       the process itself: ``python -m lambdactl.local.server``
- ``auth``         only requests signed with the sandbox's own credentials reach moto
- ``enforce``      IAM: handlers act as their execution role; ``statements``, ``conditions``
                   and ``reqcontext`` decide as IAM does (Condition blocks, request context)
- ``patch``        swaps moto's Docker-only ``LambdaFunction.invoke`` for ``runtime``
- ``strict``       S3 / IAM checks that AWS makes and moto does not; ``eventbridge``
- ``runtime``      warm execution environments (``environment``, ``invocation``)
- ``proctree``     each environment a process tree: memory, kill, escaped processes
- ``codecache``    code and layers unzipped read-only, verified before each use
- ``pythons``      where a declared Python is found (PATH, pyenv, uv); the host's runtime libs
- ``declared``     the Python a function runs on, with its own awslambdaric/boto3 (cached)
- ``native``       one verdict on compiled extensions: `up` refuses, the server notes
- ``bootstrap``    the first code of every environment (sys.path, subreaper)
- ``jail``, ``lambdafs``  its own root (/var/task, /opt, a private /tmp), Lambda's PATH
- ``runtime_api``  the Lambda Runtime API those children talk to
- ``output``, ``cwlogs``  the children's output, line by line, into CloudWatch Logs
- ``inventory``    what the sandbox holds, in every region (``local status``)

When a function declares another Python than the host's (python3.12 on a 3.11
host), the sandbox runs it on that Python with that runtime's own libraries
(``declared``); where it cannot, on the host's, and says so once per function:
`up` on the user's stderr, the server in its own log (never the function's log
group, which holds only what the function printed). Native code built for
another Python or CPU is refused by `up`, or noted so by the server.
"""
