"""Shared fixtures of the studies' tests."""
import pytest

CL_R18 = 'CL-R18=configs/demo/clnet_r18_coco-mini_256x192.py'
RTM_T = ('RTMPose-t=mmpose::body_2d_keypoint/rtmpose/coco/'
         'rtmpose-t_8xb256-420e_coco-256x192.py')


@pytest.fixture(scope='session')
def comparison(tmp_path_factory, load_script, repo_root):
    """A CL and a SimCC model trained for a few seconds on procedural
    poses; the path of the comparison's json."""
    import os
    tmp = tmp_path_factory.mktemp('comparison')
    poses = str(tmp / 'poses')
    load_script('benchmarks/generate_synthetic_poses.py').main([
        poses, '--num-train', '6', '--num-val', '3', '--max-people', '2',
        '--img-size', '128', '96'])
    here = os.getcwd()
    os.chdir(repo_root)  # our configs' paths are relative to the repo
    try:
        load_script('benchmarks/learning_comparison.py').main([
            poses, '--models', CL_R18, RTM_T, '--minutes', '0.03',
            '--val-minutes', '0.03', '--input-size', '64', '64',
            '--batch-size', '4', '--workers', '0', '--work-dir',
            str(tmp / 'work'), '--out', str(tmp / 'lc')])
    finally:
        os.chdir(here)
    return str(tmp / 'lc.json')
