"""lambdactl: provision AWS Lambda functions end to end with boto3."""

__version__ = "0.1.0"
