"""benchmarks/learning_comparison.py: every model gets the same settings
and time schedule (everything but the model and its codec is equal), every
size of a config follows --input-size, the learning rate follows the training
time, and two small models train from scratch for a few seconds each into a
report of held-out AP and PCK@0.05 against training minutes."""
import copy
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch

CL_R18 = 'CL-R18=configs/demo/clnet_r18_coco-mini_256x192.py'
# MMPose's SimpleBaseline-R50 config made an R18 by options
SB_R18 = ('SB-R18=mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_res50_8xb64-210e_coco-256x192.py:model.backbone.depth=18,'
          'model.head.in_channels=512')
RTM_T = ('RTMPose-t=mmpose::body_2d_keypoint/rtmpose/coco/'
         'rtmpose-t_8xb256-420e_coco-256x192.py')
# everything that makes a training budget
SHARED = ('train_dataloader', 'val_dataloader', 'test_dataloader',
          'val_evaluator', 'test_evaluator', 'train_cfg', 'val_cfg',
          'test_cfg', 'time_budget', 'optim_wrapper', 'param_scheduler',
          'custom_hooks', 'default_hooks', 'log_processor', 'randomness',
          'env_cfg', 'auto_scale_lr', 'load_from', 'resume', 'launcher')


@pytest.fixture(scope='module')
def lc(load_script):
    return load_script('benchmarks/learning_comparison.py')


@pytest.fixture(scope='module')
def poses(tmp_path_factory, load_script):
    """6 training and 3 held-out images of 128x96 procedural poses."""
    root = str(tmp_path_factory.mktemp('lc') / 'poses')
    load_script('benchmarks/generate_synthetic_poses.py').main([
        root, '--num-train', '6', '--num-val', '3', '--max-people', '2',
        '--img-size', '128', '96'])
    return root


@pytest.fixture
def in_repo(monkeypatch, repo_root):
    """Our configs' paths are relative to the repository."""
    monkeypatch.chdir(repo_root)


def configs(lc, argv):
    args = lc.parse_args(argv)
    return args, {name: lc.comparison_config(name, config, options, args)
                  for name, config, options in args.models}


def test_same_settings_and_schedule_for_every_model(lc, poses, tmp_path,
                                                    in_repo):
    args, cfgs = configs(lc, [
        poses, '--models', CL_R18, SB_R18, RTM_T, '--minutes', '3',
        '--val-minutes', '0.5', '--batch-size', '8', '--lr', '2e-3',
        '--seed', '5', '--work-dir', str(tmp_path)])
    shared = []
    for name, cfg in cfgs.items():
        settings = copy.deepcopy({k: cfg[k] for k in SHARED})
        target = settings['train_dataloader']['dataset']['pipeline'][-2]
        assert target['type'] == 'GenerateTarget'
        assert target['encoder'] == cfg.codec  # each model's own codec
        target['encoder'] = None
        shared.append(settings)
        # from scratch: no pretrained weights anywhere in the model
        assert 'Pretrained' not in json.dumps(cfg.model.to_dict())
        assert cfg.model.test_cfg.flip_test is True
        assert cfg.work_dir == osp.join(str(tmp_path), name)
    for settings in shared[1:]:
        for key in SHARED:  # key by key, for a readable failure
            assert settings[key] == shared[0][key], key
    assert [cfg.codec['type'] for cfg in cfgs.values()] == [
        'CLCodec', 'MSRAHeatmap', 'SimCCLabel']
    assert [cfg.model.head.type for cfg in cfgs.values()] == [
        'CLHead', 'HeatmapHead', 'RTMCCHead']
    assert cfgs['SB-R18'].model.backbone.depth == 18  # the options applied
    schedule = shared[0]
    assert schedule['time_budget'] == dict(minutes=3., val_minutes=0.5,
                                           lr=2e-3, pause_file=None)
    assert schedule['optim_wrapper'] == dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3))
    assert schedule['param_scheduler'] is None  # the lr comes from the time
    assert schedule['randomness'] == dict(seed=5)
    assert schedule['train_dataloader']['batch_size'] == 8
    assert schedule['custom_hooks'] == [dict(type='NonFiniteLossHook')]
    assert [m['type'] for m in schedule['val_evaluator']] == [
        'CocoMetric', 'PCKAccuracy']
    assert schedule['val_evaluator'][1]['thr'] == 0.05
    assert schedule['val_dataloader']['dataset']['ann_file'] == \
        'annotations/person_keypoints_val.json'


def test_resizing_gives_consistent_sizes(lc, poses, tmp_path, in_repo,
                                         one_thread):
    """At 96x128 every size of the CL, heatmap and SimCC configs follows,
    and each network's output has the shape its codec encodes."""
    _, cfgs = configs(lc, [poses, '--models', CL_R18, SB_R18, RTM_T,
                           '--input-size', '96', '128',
                           '--work-dir', str(tmp_path)])
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    for name, cfg in cfgs.items():
        codec = cfg.codec
        assert codec['input_size'] == (96, 128)
        assert cfg.model.head.decoder == codec
        for loader in ('train_dataloader', 'val_dataloader'):
            (affine, ) = [t for t in cfg[loader]['dataset']['pipeline']
                          if t['type'] == 'TopdownAffine']
            assert affine['input_size'] == (96, 128)
        model = MODELS.build(cfg.model).eval()
        with torch.no_grad():
            out = model._forward(torch.zeros(1, 3, 128, 96))
        if name == 'CL-R18':  # stride 16: 6x8 cells
            heatmaps, offsets = out
            assert heatmaps.shape == (1, 17, 8, 6)
            assert offsets.shape == (1, 34, 8, 6)
        elif name == 'SB-R18':  # stride 4
            assert codec['heatmap_size'] == (24, 32)
            assert out.shape == (1, 17, 32, 24)
        else:  # SimCC: split ratio 2; RTMCCHead's features at stride 32
            assert cfg.model.head.input_size == (96, 128)
            assert cfg.model.head.in_featuremap_size == (3, 4)
            x, y = out
            assert x.shape == (1, 17, 192) and y.shape == (1, 17, 256)


@pytest.mark.parametrize('model, size, message', [
    (CL_R18, ('100', '128'), "CL-R18: cannot train at 100x128: the "
     "CLCodec's stride 16 px does not divide 100x128"),
    (SB_R18, ('96', '130'), r"SB-R18: cannot train at 96x130: the "
     r"MSRAHeatmap's heatmap_size \(48, 64\) \(a stride of 4x4 px\) does "
     'not divide 96x130'),
    (RTM_T, ('80', '128'), r"RTMPose-t: cannot train at 80x128: the "
     r"RTMCCHead's in_featuremap_size \(6, 8\) \(a stride of 32x32 px\)"),
])
def test_a_size_a_config_cannot_take_is_named(lc, poses, in_repo, model,
                                              size, message):
    with pytest.raises(ValueError, match=message):
        configs(lc, [poses, '--models', model, '--input-size', *size])


class FakeRunner:
    """What TimeBudgetHook uses of MMEngine's Runner: the optimiser's
    groups, the loop's stop flag, the validation loop, the iteration."""

    def __init__(self, hook, clock, val_seconds):
        self.optim_wrapper = SimpleNamespace(param_groups=[{}, {}])
        self.train_loop = SimpleNamespace(stop_training=False)
        self.iter = 0
        self.validations = 0

        def validate():  # takes val_seconds, reports metrics
            self.validations += 1
            clock.now += val_seconds
            hook.after_val_epoch(self, {'coco/AP': 0.1 * self.validations})

        self.val_loop = SimpleNamespace(run=validate)


def test_time_budget_hook_with_a_fake_clock(lc):
    """1 minute of training, 4-second iterations, validation every 15 s
    taking 7 s: the lr follows the training time (validation excluded),
    validations at the first iteration past 15, 30 and 45 s and one at the
    end, then the loop is told to stop."""
    clock = SimpleNamespace(now=100.)
    hook = lc.TimeBudgetHook(minutes=1, val_minutes=0.25, lr=1e-2,
                             clock=lambda: clock.now)
    runner = FakeRunner(hook, clock, val_seconds=7.)
    hook.before_train(runner)
    lrs, stopped_at = [], None
    while not runner.train_loop.stop_training:
        hook.before_train_iter(runner, runner.iter)
        group_lrs = {g['lr'] for g in runner.optim_wrapper.param_groups}
        assert len(group_lrs) == 1
        lrs.append(group_lrs.pop())
        clock.now += 4.  # the iteration
        hook.after_train_iter(runner, runner.iter)
        runner.iter += 1
        stopped_at = runner.iter
    assert stopped_at == 15  # 15 x 4 s = the 60 s budget
    # iteration i starts after 4 * i s of training time
    assert lrs == pytest.approx(
        [1e-2 * lc.lr_factor(4 * i / 60) for i in range(15)])
    assert [p['iter'] for p in hook.points] == [4, 8, 12, 15]
    assert [p['train_minutes'] for p in hook.points] == pytest.approx(
        [16 / 60, 32 / 60, 48 / 60, 1.])
    assert [p['coco/AP'] for p in hook.points] == pytest.approx(
        [0.1, 0.2, 0.3, 0.4])
    assert all(len(p['load_average']) == 3 for p in hook.points)
    assert hook.points[-1]['lr'] == lrs[-1]
    assert hook.elapsed() == pytest.approx(60.)  # 4 x 7 s of validation out


def test_a_pause_file_stops_the_clock_of_the_budget(lc, tmp_path,
                                                    monkeypatch):
    """While the pause file exists the hook waits before the next
    iteration, and the wait is neither training time nor lr progress."""
    clock = SimpleNamespace(now=0.)
    pause = tmp_path / 'PAUSE'
    hook = lc.TimeBudgetHook(minutes=1, val_minutes=1, lr=1e-2,
                             pause_file=str(pause), clock=lambda: clock.now)
    runner = FakeRunner(hook, clock, val_seconds=0.)
    hook.before_train(runner)
    clock.now += 30.  # 30 s of training
    pause.write_text('')

    def sleep(seconds):  # another job runs for 100 s, then resumes us
        clock.now += seconds
        if clock.now >= 130.:
            pause.unlink()

    monkeypatch.setattr(lc.time, 'sleep', sleep)
    hook.before_train_iter(runner, 1)
    assert hook.elapsed() == pytest.approx(30.)
    assert hook.paused_minutes == pytest.approx(100 / 60)
    assert runner.optim_wrapper.param_groups[0]['lr'] == pytest.approx(
        1e-2 * lc.lr_factor(0.5))


def test_final_checkpoint_path_names_no_folder_of_this_machine(
        lc, tmp_path, monkeypatch):
    """Under the current folder (the repository, where the tools run) the
    final checkpoint is recorded relative to it, as reports show it;
    elsewhere absolute."""
    saved = []
    runner = SimpleNamespace(
        iter=7, work_dir=str(tmp_path / 'work' / 'A'),
        save_checkpoint=lambda folder, name, **kw: saved.append(name))
    hook = lc.TimeBudgetHook(minutes=1, val_minutes=1, lr=1e-3)
    (tmp_path / 'repo').mkdir()
    for cwd, expected in ((tmp_path, osp.join('work', 'A', 'iter_7.pth')),
                          (tmp_path / 'repo',
                           str(tmp_path / 'work' / 'A' / 'iter_7.pth'))):
        monkeypatch.chdir(cwd)
        hook.after_train(runner)
        assert hook.checkpoint == expected
    assert saved == ['iter_7.pth'] * 2


def test_stolen_cpu_share_from_proc_stat(lc, tmp_path):
    """Ticks by hand: user nice system idle iowait irq softirq steal
    guest; the share is the stolen ticks over all ticks between two
    readings."""
    stat = tmp_path / 'stat'
    stat.write_text('cpu  100 0 50 800 10 0 0 40 7 0\ncpu0 1 2 3\n')
    start = lc.cpu_ticks(str(stat))
    assert start == (40, 1000)  # guest time is already in user time
    stat.write_text('cpu  400 0 80 1000 10 0 0 110 0 0\n')
    assert lc.stolen_share(start, lc.cpu_ticks(str(stat))) == pytest.approx(
        70 / 600)
    assert lc.cpu_ticks(str(tmp_path / 'none')) is None
    assert lc.stolen_share(None, (1, 2)) is None
    assert lc.stolen_share(start, start) is None  # no time passed
    assert lc.percent(70 / 600) == '11.7%' and lc.percent(None) == '-'


def test_lr_warms_up_then_decays_with_a_cosine(lc):
    w, start, end = lc.WARMUP, lc.START_FACTOR, lc.END_FACTOR
    assert lc.lr_factor(0) == pytest.approx(start)
    assert lc.lr_factor(w / 2) == pytest.approx((start + 1) / 2)
    assert lc.lr_factor(w) == pytest.approx(1)
    assert lc.lr_factor((1 + w) / 2) == pytest.approx((1 + end) / 2)
    assert lc.lr_factor(1) == pytest.approx(end)
    assert lc.lr_factor(1.5) == pytest.approx(end)  # past the budget


def test_two_models_train_for_their_minutes_and_report(lc, poses, tmp_path,
                                                       in_repo, one_thread):
    out = str(tmp_path / 'report')
    work = tmp_path / 'work'
    argv = [poses, '--models', CL_R18, SB_R18, '--minutes', '0.1',
            '--val-minutes', '0.05', '--input-size', '64', '64',
            '--batch-size', '4', '--workers', '0', '--work-dir', str(work),
            '--out', out]
    lc.main(argv)
    with open(f'{out}.json') as f:
        report = json.load(f)
    env = report['environment']
    assert env['command'].startswith(
        'python -m benchmarks.learning_comparison ')
    assert env['cpu'] and env['torch'] and env['mmpose']
    assert isinstance(env['cpu_flags'], list)
    assert report['settings']['minutes'] == 0.1
    assert report['settings']['input_size'] == [64, 64]
    results = report['results']
    assert list(results) == ['CL-R18', 'SB-R18']
    for name, r in results.items():
        assert r['seed'] == 0
        # every 3 s of training and at the end (one point when the busy
        # machine makes a single iteration outlast the budget)
        curve = r['curve']
        minutes = [p['train_minutes'] for p in curve]
        assert minutes == sorted(minutes) and minutes[0] >= 0.05
        assert minutes[-1] == r['train_minutes'] >= 0.1
        assert [p['iter'] for p in curve][-1] == r['iters'] > 0
        for p in curve:
            assert 0 <= p['coco/AP'] <= 1 and 0 <= p['PCK'] <= 1
            assert len(p['load_average']) == 3 and p['lr'] > 0
            if osp.isfile('/proc/stat'):
                assert 0 <= p['cpu_steal'] <= 1
        assert r['checkpoint'] == osp.join(str(work), name,
                                           f'iter_{r["iters"]}.pth')
        assert osp.isfile(r['checkpoint'])
        assert r['params'] > 0 and r['flops'] > 0
        # the training values logged since the previous validation
        assert all(p['train']['loss'] > 0 for p in curve)
    cl_train = results['CL-R18']['curve'][-1]['train']
    assert cl_train['loss'] == pytest.approx(
        cl_train['loss_heatmap'] + cl_train['loss_offset'])
    assert cl_train['pred_cells'] >= 0
    assert 'loss_heatmap' not in results['SB-R18']['curve'][-1]['train']
    assert results['SB-R18']['options'] == {'model.backbone.depth': 18,
                                            'model.head.in_channels': 512}
    with open(f'{out}.md') as f:
        text = f.read()
    assert 'GFLOPs at 64x64' in text and '0.1 minutes of training' in text
    for name, r in results.items():
        last = r['curve'][-1]
        assert (f'| {name} | Adam lr 0.001 | {r["params"] / 1e6:.2f}M |'
                in text)
        assert f'## {name}' in text
        assert (f'| {last["train_minutes"]:.2f} | {last["iter"]} | '
                f'{last["lr"]:.2e} | {last["coco/AP"]:.3f} | '
                f'{last["PCK"]:.3f} |') in text
    assert osp.getsize(f'{out}.png') > 0
    # a second run would overwrite the checkpoints: refused before training
    with pytest.raises(FileExistsError, match='already holds checkpoints'):
        lc.main(argv)


def test_a_crash_in_the_second_model_keeps_the_first_curve(
        lc, poses, tmp_path, monkeypatch, in_repo):
    curve = [dict(iter=3, train_minutes=0.5, lr=1e-3,
                  load_average=[1., 1., 1.], PCK=0.5, **{'coco/AP': 0.25})]

    def fake_train(cfg):
        if cfg.codec['type'] == 'MSRAHeatmap':
            raise RuntimeError('out of memory in the second model')
        return dict(params=1, flops=2, iters=3, train_minutes=0.5,
                    checkpoint='x.pth', curve=curve)

    monkeypatch.setattr(lc, 'train', fake_train)
    out = str(tmp_path / 'report')
    with pytest.raises(RuntimeError, match='second model'):
        lc.main([poses, '--models', CL_R18, SB_R18, '--work-dir',
                 str(tmp_path / 'w'), '--out', out])
    with open(f'{out}.json') as f:
        saved = json.load(f)
    assert list(saved['results']) == ['CL-R18']
    assert saved['results']['CL-R18']['curve'] == curve


@pytest.mark.parametrize('extra, message', [
    (['--minutes', '0'], 'argument --minutes: must be >= 0.01, got 0'),
    (['--workers', '-1'], 'argument --workers: must be >= 0, got -1'),
    (['--lr', '0'], '--lr must be > 0, got 0.0'),
    (['--input-size', '0', '64'], 'argument --input-size: must be >= 1, '
     'got 0'),
    (['--models', 'A=configs/nope.py'], "A: config file not found: "
     "'configs/nope.py'"),
    (['--models', CL_R18, CL_R18],
     "--models: each NAME once, got ['CL-R18', 'CL-R18']"),
    (['--models', CL_R18, '--own-optimizer', 'RTM'],
     "--own-optimizer: ['RTM'] not among --models ['CL-R18']"),
])
def test_bad_arguments_are_named(lc, poses, capsys, in_repo, extra, message):
    with pytest.raises(SystemExit):
        lc.parse_args([poses, *extra])
    assert message in capsys.readouterr().err


def test_an_unknown_mmpose_config_is_named_before_training(
        lc, poses, tmp_path, in_repo):
    with pytest.raises(FileNotFoundError, match='--models X: .*nope.py'):
        lc.main([poses, '--models', CL_R18, 'X=mmpose::body_2d_keypoint/'
                 'nope.py', '--work-dir', str(tmp_path / 'w')])
    assert not (tmp_path / 'w').exists()  # nothing trained


def test_missing_dataset_is_named(lc, tmp_path, capsys):
    with pytest.raises(SystemExit):
        lc.parse_args([str(tmp_path)])
    err = capsys.readouterr().err
    assert 'person_keypoints_train.json not found' in err
    assert 'generate_synthetic_poses.py' in err


def test_own_optimizer_scales_its_lr_to_the_batch(lc, poses, in_repo):
    """RTMPose-t's AdamW at 4e-3 for auto_scale_lr's batch 1024 becomes
    4e-3 * 32 / 1024 = 1.25e-4 at batch 32, with its paramwise_cfg; the other
    model keeps Adam at --lr, and the time budget follows each lr."""
    rtm = ('RTM=mmpose::body_2d_keypoint/rtmpose/coco/'
           'rtmpose-t_8xb256-420e_coco-256x192.py')
    args = lc.parse_args([poses, '--models', CL_R18, rtm, '--own-optimizer',
                          'RTM', '--batch-size', '32', '--lr', '2e-3'])
    own = lc.comparison_config('RTM', *args.models[1][1:], args)
    assert own.optim_wrapper.optimizer == dict(type='AdamW', lr=1.25e-4,
                                               weight_decay=0.)
    assert own.optim_wrapper.paramwise_cfg == dict(
        norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True)
    assert own.time_budget['lr'] == pytest.approx(1.25e-4)
    cl = lc.comparison_config('CL-R18', *args.models[0][1:], args)
    assert cl.optim_wrapper.optimizer == dict(type='Adam', lr=2e-3)
    assert 'paramwise_cfg' not in cl.optim_wrapper
    assert cl.time_budget['lr'] == 2e-3
    assert lc.describe_optimizer(own.optim_wrapper.optimizer) == \
        'AdamW lr 0.000125, weight_decay 0'
