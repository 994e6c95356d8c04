"""at_least: the argparse type of the tools' counts and sizes."""
import argparse

import pytest

from mmpose_cl.utils.cli import at_least


def test_values_at_and_above_the_bound_pass():
    assert at_least(1)('1') == 1 and at_least(1)('64') == 64
    assert at_least(0.5, float)('0.5') == 0.5


@pytest.mark.parametrize('parse, text, message', [
    (at_least(1), '0', 'must be >= 1, got 0'),
    (at_least(0), '-3', 'must be >= 0, got -3'),
    (at_least(1), '2.5', "expected an integer, got '2.5'"),
    (at_least(0.0, float), 'nan', 'must be >= 0.0, got nan'),
    (at_least(0.0, float), 'x', "expected a number, got 'x'"),
])
def test_bad_values_are_named(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


def test_argparse_names_the_option(capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument('--epochs', type=at_least(1))
    with pytest.raises(SystemExit):
        parser.parse_args(['--epochs', '0'])
    assert 'argument --epochs: must be >= 1, got 0' in capsys.readouterr().err
