"""lambdactl: provision AWS Lambda functions end to end with boto3."""

__version__ = "0.1.0"

# True in the console script's process (cli.main: one command, then exit): it may
# gc.freeze what it builds (aws.py). A library caller, the test suite or `dev`
# lives on, and frozen objects are never freed, garbage included.
ONE_SHOT = False
# The collector's thresholds before cli.main raised them for its one command (`dev`
# puts them back: a long run collects as usual).
GC_DEFAULT: tuple[int, int, int] = (700, 10, 10)
