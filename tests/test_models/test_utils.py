"""loads_pretrained, and the two init_weights that ask it: loaded weights
are kept, not overwritten by the final layers' N(0, final_layer_std)."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.model.weight_init import PretrainedInit

from mmpose_cl.models.backbones.clnet_hourglass import CLNetHourglass
from mmpose_cl.models.heads import CLHead
from mmpose_cl.models.utils import loads_pretrained

PRETRAINED = dict(type='Pretrained', checkpoint='x.pth')


@pytest.mark.parametrize('init_cfg, expected', [
    (None, False),
    (dict(type='Kaiming', layer='Conv2d'), False),
    (PRETRAINED, True),
    (ConfigDict(PRETRAINED), True),
    ([dict(type='Normal', std=0.01), PRETRAINED], True),
    ([dict(type='Normal', std=0.01)], False),
    (dict(type=PretrainedInit, checkpoint='x.pth'), True),
])
def test_loads_pretrained(init_cfg, expected):
    assert loads_pretrained(init_cfg) is expected


def final_layers(module):
    """The convs that ``final_layer_std`` initialises."""
    if isinstance(module, CLHead):
        return [module.final_layer]
    return [head[-1] for head in module.heads]


@pytest.mark.parametrize(
    'build', [
        lambda init_cfg: CLHead(
            in_channels=64,
            num_keypoints=4,
            decoder=dict(type='CLCodec', input_size=(64, 64)),
            init_cfg=init_cfg),
        lambda init_cfg: CLNetHourglass(
            num_stacks=2, num_keypoints=4, channels=16, init_cfg=init_cfg),
    ],
    ids=['CLHead', 'CLNetHourglass'])
def test_loaded_final_layers_are_kept(build, tmp_path):
    source = build(None)
    with torch.no_grad():
        for conv in final_layers(source):
            conv.weight.fill_(0.5)
            conv.bias.fill_(0.25)
    path = str(tmp_path / 'weights.pth')
    torch.save({'state_dict': source.state_dict()}, path)
    for init_cfg in (dict(type='Pretrained', checkpoint=path), [
            dict(type='Normal', layer='Conv2d', std=0.01),
            dict(type='Pretrained', checkpoint=path)
    ]):
        loaded = build(init_cfg)
        loaded.init_weights()
        for conv in final_layers(loaded):
            assert (conv.weight == 0.5).all() and (conv.bias == 0.25).all()
    # without weights to load: the final layers' own N(0, 0.001), zero bias
    fresh = build(None)
    fresh.init_weights()
    for conv in final_layers(fresh):
        assert conv.weight.std().item() == pytest.approx(0.001, rel=0.3)
        assert not conv.bias.any()
