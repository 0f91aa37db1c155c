"""lambdactl: provision AWS Lambda functions end to end with boto3."""

__version__ = "0.1.0"

# True in the console script's process (cli.main: one command, then exit): it may
# gc.freeze what it builds (aws.py). A library caller, the test suite or `dev`
# lives on, and frozen objects are never freed, garbage included.
ONE_SHOT = False
