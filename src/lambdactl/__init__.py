"""lambdactl: provision AWS Lambda functions end to end with boto3."""

__version__ = "0.1.0"

# True in the console script's process (cli.main: one command, then exit): it may
# gc.freeze what it builds (aws.py). A library caller, the test suite or `dev`
# lives on, and frozen objects are never freed, garbage included.
ONE_SHOT = False
# The collector's thresholds before one_shot() raised them (`dev` puts them back: a
# long run collects as usual).
GC_DEFAULT: tuple[int, int, int] = (700, 10, 10)


def one_shot() -> None:
    """This process runs one command, then exits (cli.main).

    Nearly all a command allocates (modules, botocore's service models) lives to its
    end: at the default threshold (700) ~90 collections walk it, ~30 ms of a cold
    `up`'s CPU. Past 300k new objects only: none in a cold `up`; `logs -f` still collects.
    The dataclasses its command imports compile from a cache (codecache.py), and so
    do the regular expressions (recache.py).
    """
    import gc

    from lambdactl import codecache, recache

    global ONE_SHOT, GC_DEFAULT
    ONE_SHOT = True
    GC_DEFAULT = gc.get_threshold()
    gc.set_threshold(300_000, *GC_DEFAULT[1:])
    codecache.install()
    recache.install()
