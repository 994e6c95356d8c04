# CLNet-CSPNeXt-t, COCO, 256x192: the m config at RTMPose-t's width and depth,
# from RTMPose-t's pretrained CSPNeXt-tiny, without weight decay and without
# EMA as RTMPose-t. Put it against MMPose's
# rtmpose-t_8xb256-420e_coco-256x192.py (68.2 AP on COCO val, 0.36 GFLOPs).
_base_ = ['./clnet_cspnext-m_coco_256x192.py']

# RTMPose-t trains its tiny model without weight decay
optim_wrapper = dict(optimizer=dict(weight_decay=0.))

model = dict(
    backbone=dict(
        # RTMPose-t's CSPNeXt-tiny: stages 1-3 give 192 channels
        deepen_factor=0.167,
        widen_factor=0.375,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmpose/v1/projects/'
            'rtmposev1/cspnext-tiny_udp-aic-coco_210e-256x192-cbed682d_20230130.pth'  # noqa
        )),
    head=dict(in_channels=192))

# RTMPose-t turns EMA off for the tiny model; the other hooks stay
custom_hooks = [h for h in _base_.custom_hooks if h.type != 'EMAHook']
