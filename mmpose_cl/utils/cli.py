# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Argument types shared by the command-line tools."""
import argparse
from typing import Callable, Union

Number = Union[int, float]


def at_least(low: Number, cast: Callable = int) -> Callable[[str], Number]:
    """An argparse ``type`` for numbers ``>= low``: with
    ``parser.add_argument('--epochs', type=at_least(1))``, ``--epochs 0``
    stops with ``argument --epochs: must be >= 1, got 0``.

    Args:
        low (int | float): The smallest value allowed.
        cast (callable): ``int`` or ``float``. Defaults to ``int``.
    """

    def parse(text: str) -> Number:
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'expected {"an integer" if cast is int else "a number"}, '
                f'got {text!r}') from None
        if not value >= low:  # also refuses NaN
            raise argparse.ArgumentTypeError(f'must be >= {low}, got {text}')
        return value

    return parse
