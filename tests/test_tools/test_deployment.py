"""tools/deployment: export_onnx.py (one ONNX file that outputs keypoints,
checked against PyTorch), quantize_onnx.py (INT8 with the decoding in
float32), compare_runtimes.py (clpose against MMPoseInferencer)."""
import json
import os.path as osp

import numpy as np
import onnx
import pytest
import torch

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'


def save_voting_checkpoint(config: str, path: str, damp: bool = False) -> str:
    """A config's model with random weights whose heatmaps are about 1 in
    every cell, so every cell votes: the keypoints are smooth functions of
    the weights, and ONNX Runtime and torch agree to rounding (with random
    weights near tau a cell would vote in one and not in the other). The
    layers that write the maps are the convolutions to 3K channels."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmpose_cl  # noqa: F401
    init_default_scope('mmpose')
    torch.manual_seed(0)
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    K = model.head.num_keypoints
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.Conv2d) and m.out_channels == 3 * K:
                m.weight.normal_(0, 0.01)
                m.bias[:K] = 1.0
            elif damp and isinstance(m, torch.nn.Conv2d):
                # eight randomly initialised stacks without trained norms
                # grow activations to ~1e8, where float32 rounding alone
                # moves a keypoint by pixels
                m.weight.mul_(0.1)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


@pytest.fixture(scope='module')
def voting_checkpoint(tmp_path_factory, repo_root):
    return save_voting_checkpoint(
        osp.join(repo_root, CONFIG),
        str(tmp_path_factory.mktemp('ckpt') / 'voting.pth'))


@pytest.fixture(scope='module')
def exported(load_script, repo_root, voting_checkpoint, tmp_path_factory):
    tool = load_script('tools/deployment/export_onnx.py')
    out = str(tmp_path_factory.mktemp('onnx') / 'demo.onnx')
    tool.main([osp.join(repo_root, CONFIG), voting_checkpoint, '--out', out])
    return out


def test_export_writes_the_contract(exported):
    model = onnx.load(exported)
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ['crops']
    assert [o.name for o in model.graph.output] == ['keypoints', 'scores']
    meta = {p.key: p.value for p in model.metadata_props}
    assert 'clpose' in meta
    # the network ends where the head's forward returns: the heatmaps and
    # the offsets, slices of the last convolution's (3K channels) output;
    # the markers that found them are plain Identity nodes now
    producer = {out: n for n in model.graph.node for out in n.output}
    ends = json.loads(meta['network_ends'])
    assert [producer[e].op_type for e in ends] == ['Slice', 'Slice']
    last = {producer[e].input[0] for e in ends}
    assert [producer[t].op_type for t in last] == ['Conv']
    assert not [n for n in model.graph.node if n.domain == 'mmpose_cl']
    assert 'mmpose_cl' not in {o.domain for o in model.opset_import}
    # the decoding is in the graph: no branch, the fallback is a Where
    ops = {n.op_type for n in model.graph.node}
    assert {'Where', 'GreaterOrEqual', 'ArgMax'} <= ops
    assert not ops & {'If', 'Loop'}


@pytest.mark.parametrize('config', [
    'configs/clnet_hourglass8_coco_256x192.py',
    'configs/clnet_cspnext-t_coco_256x192.py'
])
def test_every_cl_backbone_exports(load_script, repo_root, tmp_path, config,
                                   capsys):
    """The hourglass (stages in the backbone) and CSPNeXt rows export and
    pass the check against PyTorch, as the ResNet rows do."""
    ckpt = save_voting_checkpoint(osp.join(repo_root, config),
                                  str(tmp_path / 'voting.pth'),
                                  damp='hourglass' in config)
    out = str(tmp_path / 'model.onnx')
    load_script('tools/deployment/export_onnx.py').main(
        [osp.join(repo_root, config), ckpt, '--out', out])
    assert 'keypoints max diff' in capsys.readouterr().out
    assert osp.isfile(out)
    # and quantise (the hourglass's up-sampled branches once stopped ONNX
    # Runtime's shape inference, leaving its debugging files in the cwd)
    here = tmp_path / 'cwd'
    here.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        load_script('tools/deployment/quantize_onnx.py').main([
            out, '--calib', osp.join(repo_root, 'tests', 'data', 'coco'),
            '--out', str(tmp_path / 'model.int8.onnx'), '--num-crops', '2'])
    assert 'kept in float32' in capsys.readouterr().out
    assert not list(here.iterdir())


def test_export_prints_its_check(load_script, repo_root, voting_checkpoint,
                                 tmp_path, capsys):
    tool = load_script('tools/deployment/export_onnx.py')
    out = str(tmp_path / 'flip.onnx')
    tool.main([osp.join(repo_root, CONFIG), voting_checkpoint, '--out', out,
               '--flip-test', '--batch', '4'])
    text = capsys.readouterr().out
    assert 'on 12 COCO people' in text and osp.isfile(out)
    batch = onnx.load(out).graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_value == 4
    # an installed package has no bundled people: --no-check exports
    # without the comparison, and a --check-data without them is refused
    # before any export
    bare = str(tmp_path / 'bare.onnx')
    tool.main([osp.join(repo_root, CONFIG), voting_checkpoint, '--out', bare,
               '--no-check'])
    text = capsys.readouterr().out
    assert 'not compared with PyTorch' in text and 'COCO people' not in text
    assert osp.isfile(bare)
    with pytest.raises(SystemExit):
        tool.parse_args([osp.join(repo_root, CONFIG), voting_checkpoint,
                         '--out', str(tmp_path / 'y.onnx'), '--check-data',
                         str(tmp_path)])
    err = capsys.readouterr().err
    assert '--check-data: ' in err and 'test_coco.json not found' in err


def test_export_errors(load_script, repo_root, voting_checkpoint,
                       demo_checkpoint, exported, tmp_path, capsys):
    tool = load_script('tools/deployment/export_onnx.py')
    with pytest.raises(SystemExit, match='not a CL head'):
        tool.main([
            osp.join(repo_root, 'configs', 'baselines',
                     'td-hm_res18_coco_256x192.py'), voting_checkpoint,
            '--out', str(tmp_path / 'x.onnx')
        ])
    with pytest.raises(SystemExit, match='does not match the model'):
        tool.main([
            osp.join(repo_root, 'configs', 'clnet_r50_coco_256x192.py'),
            demo_checkpoint, '--out', str(tmp_path / 'x.onnx')
        ])
    assert not (tmp_path / 'x.onnx').exists()
    with pytest.raises(SystemExit):  # argparse: exists, no --overwrite
        tool.parse_args([osp.join(repo_root, CONFIG), voting_checkpoint,
                         '--out', exported])
    assert f"{exported}' exists; pass --overwrite" in (
        capsys.readouterr().err)
    with pytest.raises(SystemExit):
        tool.parse_args([osp.join(repo_root, CONFIG), 'nothing.pth',
                         '--out', 'x.onnx'])
    assert "checkpoint 'nothing.pth' not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.parse_args([osp.join(repo_root, CONFIG), voting_checkpoint,
                         '--out', 'x.onnx', '--batch', '0'])
    with pytest.raises(SystemExit):  # Flip and ScatterND need opset >= 11
        tool.parse_args([osp.join(repo_root, CONFIG), voting_checkpoint,
                         '--out', 'x.onnx', '--opset', '10'])
    assert '--opset must be in [11, ' in capsys.readouterr().err
    # a file that is not a checkpoint is named, with torch's reason
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(SystemExit, match="checkpoint '.*notes.pth' is not a "
                       'checkpoint that torch.load can read'):
        tool.main([osp.join(repo_root, CONFIG), str(text), '--out',
                   str(tmp_path / 'x.onnx')])


def test_clpose_equals_mmpose_inferencer(load_script, repo_root,
                                         voting_checkpoint, exported):
    tool = load_script('tools/deployment/compare_runtimes.py')
    r = tool.main([osp.join(repo_root, CONFIG), voting_checkpoint, exported])
    assert r['people'] > 10  # the bundled MMDet boxes of the 4 images
    assert r['max_px'] < 1e-3 and r['max_score_diff'] < 1e-5


def test_compare_runtimes_refuses_other_models(load_script, repo_root,
                                               voting_checkpoint, exported):
    """A checkpoint of another model, or a file that is no ONNX model, is
    named before the comparison (which would measure two models)."""
    tool = load_script('tools/deployment/compare_runtimes.py')
    with pytest.raises(SystemExit, match='does not match the model'):
        tool.main([osp.join(repo_root, 'configs', 'clnet_r50_coco_256x192.py'),
                   voting_checkpoint, exported])
    with pytest.raises(SystemExit, match="ONNX model '.*README.md': not an "
                       'ONNX model'):
        tool.main([osp.join(repo_root, CONFIG), voting_checkpoint,
                   osp.join(repo_root, 'README.md')])


def dequantised(nodes, op_type: str, inputs=slice(None)) -> dict:
    """For each node of ``op_type``: whether all its ``inputs`` (all of
    them by default) come dequantised from INT8."""
    producer = {out: n for n in nodes for out in n.output}
    return {
        n.name: all(
            getattr(producer.get(i), 'op_type', '') == 'DequantizeLinear'
            for i in n.input[inputs])
        for n in nodes if n.op_type == op_type
    }


def int8_weights(nodes) -> list:
    """For each convolution, whether its weights come dequantised from
    INT8."""
    return list(dequantised(nodes, 'Conv', slice(1, 2)).values())


def drift_against(fp32: str, other: str, crops: np.ndarray) -> dict:
    """How far the ONNX file ``other`` moves the keypoints (crop pixels) and
    scores of the float32 file ``fp32`` on the same crops, and how far the
    float32 keypoints themselves move from crop to crop (the signal the
    drift is to be small against: the voting checkpoint's keypoints depend
    on the network only through its small offsets)."""
    from clpose import CLPose
    k32, s32 = CLPose(fp32).run(crops)
    k, s = CLPose(other).run(crops)
    drift = np.linalg.norm(k - k32, axis=-1)  # (N, K) px
    spread = np.linalg.norm(k32 - k32.mean(0), axis=-1)  # (N, K) px
    return dict(mean_px=drift.mean(), max_px=drift.max(),
                score=np.abs(s - s32).max(), spread_px=spread.mean())


def zero_int8_weights(src: str, out: str) -> None:
    """A broken quantisation: the INT8 file with every INT8 convolution
    weight set to 0 (scales and activations untouched)."""
    from onnx import numpy_helper
    model = onnx.load(src)
    for init in model.graph.initializer:
        weights = numpy_helper.to_array(init)
        if weights.dtype == np.int8 and weights.ndim == 4:
            init.CopyFrom(
                numpy_helper.from_array(np.zeros_like(weights), init.name))
    onnx.save(model, out)


def test_quantize_keeps_the_decoding_in_float32(load_script, repo_root,
                                                exported, tmp_path, capsys):
    from clpose import CLPose

    from mmpose_cl.deploy.quantize import calibration_crops, dataset_boxes
    tool = load_script('tools/deployment/quantize_onnx.py')
    out = str(tmp_path / 'demo.int8.onnx')
    tool.main([exported, '--calib', osp.join(repo_root, CONFIG), '--out', out,
               '--num-crops', '6'])
    text = capsys.readouterr().out
    assert 'INT8 vs float32 on those crops' in text
    assert "kept in float32: ['/final_layer/Conv']" in text
    model = onnx.load(out)
    nodes = model.graph.node
    quantised = [n for n in nodes if n.op_type == 'QuantizeLinear']
    assert quantised, 'the network is quantised'
    decoding = [n for n in nodes if n.name.startswith('decoding/')]
    assert decoding and not any('Quantize' in n.op_type for n in decoding)
    # the first convolution is INT8; the last, which writes the maps, is not
    assert int8_weights(nodes)[0] and not int8_weights(nodes)[-1]
    # INT8 against float32 on the calibration crops (the tool's: seed 0,
    # the train split): measured 0.02 px mean, 0.05 px max, scores 0.004;
    # the bounds leave 5x. A broken quantisation (every INT8 weight 0)
    # moves them 1.2 px mean, 3.3 px max, scores 0.28, and a fifth of how
    # far the float32 keypoints move between crops (0.45 px) is 0.09 px
    crops = calibration_crops(
        CLPose(exported), dataset_boxes(osp.join(repo_root, CONFIG),
                                        'train'), 6, 0)

    def within_bounds(d):
        return (d['max_px'] < 0.25 and d['mean_px'] < d['spread_px'] / 5
                and d['score'] < 0.02)

    drift = drift_against(exported, out, crops)
    assert within_bounds(drift), drift
    zero_int8_weights(out, str(tmp_path / 'zero.int8.onnx'))
    broken = drift_against(exported, str(tmp_path / 'zero.int8.onnx'), crops)
    assert not within_bounds(broken), broken
    ends = str(tmp_path / 'ends.int8.onnx')
    tool.main([exported, '--calib', osp.join(repo_root, CONFIG), '--out',
               ends, '--num-crops', '6', '--int8-ends'])
    assert all(int8_weights(onnx.load(ends).graph.node))
    # the INT8 file runs in clpose with the same contract
    runtime = CLPose(out)
    keypoints, scores = runtime(
        np.zeros((100, 80, 3), np.uint8), [[10, 10, 60, 90]])
    assert keypoints.shape == (1, 17, 2) and np.isfinite(keypoints).all()
    with pytest.raises(SystemExit):
        tool.main([exported, '--calib', str(tmp_path / 'none'), '--out',
                   str(tmp_path / 'y.onnx')])
    assert "--calib '" in capsys.readouterr().err


def test_quantize_cuts_at_the_recorded_network_end(load_script, repo_root,
                                                   tmp_path, one_thread):
    """RTMPose: the network ends after its SimCC classifiers, so its MLP and
    GAU are INT8 like its convolutions; the classifiers (the layers that
    write the maps) stay float32 unless --int8-ends."""
    from mmpose.apis import init_model

    from mmpose_cl.deploy.onnx_graphs import export, graph_for, onnx_metadata
    from mmpose_cl.utils import drop_pretrained, load_config
    config = ('mmpose::body_2d_keypoint/rtmpose/coco/'
              'rtmpose-t_8xb256-420e_coco-256x192.py')
    cfg = load_config(config)
    drop_pretrained(cfg.model)
    torch.manual_seed(0)
    model = init_model(cfg, None, device='cpu')
    fp32 = str(tmp_path / 'rtmpose.onnx')
    export(graph_for(model), (192, 256), fp32,
           onnx_metadata(model, config, (192, 256), flip_test=False))
    tool = load_script('tools/deployment/quantize_onnx.py')
    classifiers = {'/cls_x/MatMul', '/cls_y/MatMul'}
    for ends, flag in ((False, []), (True, ['--int8-ends'])):
        out = str(tmp_path / f'rtmpose.{ends}.onnx')
        tool.main([fp32, '--calib', osp.join(repo_root, CONFIG), '--out', out,
                   '--num-crops', '4'] + flag)
        matmuls = dequantised(onnx.load(out).graph.node, 'MatMul')
        assert classifiers <= set(matmuls)
        inside = [v for k, v in matmuls.items()
                  if k.startswith(('/mlp', '/gau'))]
        assert inside and all(inside)  # the SimCC MLP and GAU are INT8
        assert all(matmuls[c] is ends for c in classifiers)
        assert not any(k.startswith('decoding/') for k, v in matmuls.items()
                       if v)


def test_quantize_exclude_and_opset_errors(load_script, repo_root, exported,
                                           voting_checkpoint, tmp_path):
    """--exclude takes node names and the tensor names it prints, and a
    string that matches nothing is an error (a typo would quantise the layer
    it meant to keep); a file below opset 13 is refused by name."""
    from mmpose_cl.deploy.quantize import excluded_nodes
    tool = load_script('tools/deployment/quantize_onnx.py')
    model = onnx.load(exported)
    conv = [n for n in model.graph.node if n.op_type == 'Conv'][3]
    assert excluded_nodes(model, [conv.output[0]]) == [conv.name]
    assert excluded_nodes(model, [conv.name]) == [conv.name]
    assert excluded_nodes(model, []) == []
    with pytest.raises(ValueError, match=r"\['/layer9'\]: no node"):
        excluded_nodes(model, [conv.name, '/layer9'])
    out = str(tmp_path / 'x.int8.onnx')
    calib = ['--calib', osp.join(repo_root, CONFIG), '--num-crops', '2']
    with pytest.raises(SystemExit, match='no node of the network'):
        tool.main([exported, '--out', out, '--exclude', 'layer9'] + calib)
    old = str(tmp_path / 'opset12.onnx')  # exports, runs, cannot quantise
    load_script('tools/deployment/export_onnx.py').main([
        osp.join(repo_root, CONFIG), voting_checkpoint, '--out', old,
        '--opset', '12'])
    with pytest.raises(SystemExit, match=r'opset12.onnx: opset 12: .*'
                       r'needs opset >= 13'):
        tool.main([old, '--out', out] + calib)
    assert not osp.exists(out)


def test_network_end_of_a_file_without_its_record(load_script, exported,
                                                  tmp_path, repo_root):
    """A file exported without ``network_ends`` is cut after its last
    convolutions; a record that names no tensor of the graph is an
    error."""
    from mmpose_cl.deploy.quantize import map_writers, network_ends
    tool = load_script('tools/deployment/quantize_onnx.py')
    model = onnx.load(exported)
    producer = {out: n for n in model.graph.node for out in n.output}
    recorded = network_ends(model)
    writers = map_writers(model, recorded)
    assert [producer[e].op_type for e in recorded] == ['Slice', 'Slice']
    assert [n.op_type for n in model.graph.node
            if n.name in writers] == ['Conv']
    kept = [p for p in model.metadata_props if p.key != 'network_ends']
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    convs = network_ends(model)
    assert [producer[e].name for e in convs] == writers
    entry = model.metadata_props.add()
    entry.key, entry.value = 'network_ends', json.dumps(['/no/such'])
    with pytest.raises(ValueError, match=r"\['/no/such'\]"):
        network_ends(model)
    # quantize_onnx.py names the file and what is wrong with it
    bad = str(tmp_path / 'bad.onnx')
    onnx.save(model, bad)
    with pytest.raises(SystemExit, match=r"bad.onnx: the network ends "
                       r"\['/no/such'\] of its metadata"):
        tool.main([bad, '--calib', osp.join(repo_root, CONFIG), '--out',
                   str(tmp_path / 'bad.int8.onnx'), '--num-crops', '2'])
    assert not (tmp_path / 'bad.int8.onnx').exists()
