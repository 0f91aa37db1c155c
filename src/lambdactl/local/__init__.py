"""The embedded sandbox behind ``--target local``: moto's server with a real local
Lambda runtime, in one background process.

- ``control``      start / stop / find the background process (imports fast; the CLI's API)
- ``server``       the process itself: ``python -m lambdactl.local.server``
- ``patch``        swaps moto's Docker-only ``LambdaFunction.invoke`` for ``runtime``
- ``strict``       S3 / IAM checks that AWS makes and moto does not
- ``runtime``      warm execution environments running ``awslambdaric`` children
- ``runtime_api``  the Lambda Runtime API those children talk to
- ``output``, ``cwlogs``  the children's output, line by line, into CloudWatch Logs

When a function declares another Python than the host's (python3.12 on a 3.11
host), the sandbox warns once per function and runtime: one line in the sandbox
log, and the same line at the top of that function's log group (before the
first cold start's output) so that ``lambdactl logs`` shows it where the user looks.
"""
