"""MMEngine's checkpoints load on torch >= 2.6 with weights_only kept on."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

import mmpose_cl  # noqa: F401  (registers the safe globals)


def test_mmengine_checkpoint_objects_load_with_weights_only(tmp_path):
    # what MMEngine's runner puts beside the weights (message hub, meta)
    buf = HistoryBuffer()
    buf.update(0.5)
    ckpt = dict(
        state_dict={'w': torch.ones(2)},
        meta=dict(seed=np.int64(3), lr=np.float32(0.1),
                  arr=np.arange(3, dtype=np.float64)),
        message_hub=dict(log_scalars={'train/loss': buf}))
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path)  # as MMEngine calls it: no weights_only given
    assert loaded['meta']['seed'] == 3
    np.testing.assert_array_equal(loaded['meta']['arr'], [0., 1., 2.])
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 0.5


class Arbitrary:

    def __reduce__(self):
        return (print, ('this must never run',))


def test_other_objects_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': Arbitrary()}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        torch.load(path)
