"""`lambdactl dev`: watch the project and keep the deployed functions current.

decide.py says what a change needs (pure), watch.py turns file events into
debounced batches, sync.py makes the least calls that apply a decision,
tail.py follows the watched functions' logs as one stream, loop.py ties them.
"""
