"""clpose.files: a file appears complete under its name or not at all; the
temporary file keeps the target's extension (OpenCV picks the format by
it) and is removed on failure."""
import os

import pytest

from clpose.files import atomic_output, write_atomic


def test_renames_a_complete_file_and_keeps_the_extension(tmp_path):
    target = tmp_path / 'out.mp4'
    with atomic_output(str(target)) as tmp:
        assert tmp == str(tmp_path / f'.out.{os.getpid()}.tmp.mp4')
        with open(tmp, 'x') as f:
            f.write('frames')
        assert not target.exists(), 'renamed before the block ended'
    assert target.read_text() == 'frames'
    assert os.listdir(tmp_path) == ['out.mp4']


def test_a_failed_block_keeps_the_old_file_and_removes_the_new(tmp_path):
    target = tmp_path / 'poses.json'
    target.write_text('old')
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(str(target)) as tmp:
            with open(tmp, 'x') as f:
                f.write('half')
            raise KeyboardInterrupt  # Ctrl-C in the middle of the writing
    assert target.read_text() == 'old'
    assert os.listdir(tmp_path) == ['poses.json']


def test_nothing_written_is_an_error_and_leaves_no_file(tmp_path):
    target = tmp_path / 'vis.avi'
    with pytest.raises(FileNotFoundError, match=r"vis\.avi': nothing"):
        with atomic_output(str(target)):
            pass  # e.g. a VideoWriter that never opened
    assert os.listdir(tmp_path) == []


def test_write_atomic_and_overwrite_false(tmp_path):
    target = tmp_path / 'a.json'
    write_atomic(str(target), b'{"a": 1}')
    assert target.read_bytes() == b'{"a": 1}'
    write_atomic(str(target), b'{"a": 2}')
    assert target.read_bytes() == b'{"a": 2}'
    with pytest.raises(FileExistsError, match='pass --overwrite'):
        write_atomic(str(target), b'{"a": 3}', overwrite=False)
    assert target.read_bytes() == b'{"a": 2}'
    assert os.listdir(tmp_path) == ['a.json']
