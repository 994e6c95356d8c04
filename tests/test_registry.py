import mmpose_cl


def test_every_public_component_is_registered():
    from mmpose.registry import (DATASETS, HOOKS, KEYPOINT_CODECS, METRICS,
                                 MODELS, TRANSFORMS)
    registered = {
        'CLCodec': KEYPOINT_CODECS,
        'CLNetResNet': MODELS,
        'CLNetHourglass': MODELS,
        'CLNetCSPNeXt': MODELS,
        'NewellHourglass': MODELS,
        'MultiStageHeatmapHead': MODELS,
        'CLMultiStageHead': MODELS,
        'CLHead': MODELS,
        'CLCompositeLoss': MODELS,
        'CLPoseEstimator': MODELS,
        'CLPeakOffsetLoss': MODELS,
        'GRMILoss': MODELS,
        'LspDataset': DATASETS,
        'LspPCKAccuracy': METRICS,
        'CheckedCocoDataset': DATASETS,
        'CheckedLoadImage': TRANSFORMS,
        'RandomShearTopdownAffine': TRANSFORMS,
        'ClippedNormalBBoxTransform': TRANSFORMS,
        'CLDatasetCheckHook': HOOKS,
        'NonFiniteLossHook': HOOKS,
    }
    assert set(registered) <= set(mmpose_cl.__all__)
    for name, registry in registered.items():
        assert registry.get(name) is getattr(mmpose_cl, name)


def test_issue_acceptance_one_liner():
    from mmpose.registry import KEYPOINT_CODECS, MODELS
    codec = KEYPOINT_CODECS.build(dict(type='CLCodec', input_size=(192, 256)))
    assert codec.heatmap_size == (12, 16)
    assert all(
        MODELS.get(n) is not None
        for n in ('CLHead', 'CLNetResNet', 'CLCompositeLoss'))
