#!/usr/bin/python3
"""Writes PyTorch reference gradients for the custom tfjs training kernels (src/engine/kernels/).

Run with Debian's python, which has torch (the pyenv `python3` on PATH does not):

    /usr/bin/python3 scripts/make-torch-grad-fixtures.py

For each case it draws small fixed inputs (seeded, rounded to 4 decimals so the JSON holds them exactly as the
float32 values both sides use), computes y = op(x, w[, b]) and the gradients of loss = sum(y * up) in float64,
and writes everything in tfjs layout: activations NHWC, conv filters HWIO, depthwise filters [KH, KW, C, M].
The `tfjs` block of each case says how to call the equivalent tfjs op. Output: tests/fixtures/torch-grads/*.json.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'torch-grads')


def draw(gen, shape, kind='uniform'):
    if kind == 'ties':  # integers in {-1, 0, 1, 2}: many equal maxima inside a pooling window
        t = torch.randint(-1, 3, shape, generator=gen).double()
    else:
        t = torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1
    return torch.round(t * 1e4) / 1e4


def nchw_to_nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def conv_w_to_hwio(w):  # torch OIHW -> tfjs HWIO
    return w.permute(2, 3, 1, 0).contiguous()


def dw_w_to_tfjs(w, c, m):  # torch [C*M, 1, KH, KW] (groups=C) -> tfjs [KH, KW, C, M]
    kh, kw = w.shape[2], w.shape[3]
    return w.reshape(c, m, kh, kw).permute(2, 3, 0, 1).contiguous()


def enc(t, digits=None):
    flat = t.detach().reshape(-1).tolist()
    if digits is None:
        data = [round(v, 4) for v in flat]
    else:
        data = [float(f'{v:.{digits}g}') for v in flat]
    return {'shape': list(t.shape), 'data': data}


def run_case(name, seed, build):
    gen = torch.Generator().manual_seed(seed)
    case = build(gen)
    x = case['x'].clone().requires_grad_(True)
    params = [x]
    w = case.get('w')
    b = case.get('b')
    if w is not None:
        w = w.clone().requires_grad_(True)
        params.append(w)
    if b is not None:
        b = b.clone().requires_grad_(True)
        params.append(b)
    y = case['fn'](x, w, b)
    up = draw(gen, y.shape)
    (y * up).sum().backward()
    out = {
        'name': name,
        'op': case['op'],
        'tfjs': case['tfjs'],
        'torch': case['torch'],
        'x': enc(nchw_to_nhwc(x)),
        'up': enc(nchw_to_nhwc(up)),
        'y': enc(nchw_to_nhwc(y), 7),
        'dx': enc(nchw_to_nhwc(x.grad), 7),
    }
    if w is not None:
        to_tfjs = case['w_to_tfjs']
        out['w'] = enc(to_tfjs(w))
        out['dw'] = enc(to_tfjs(w.grad), 7)
    if b is not None:
        out['b'] = enc(b)
        out['db'] = enc(b.grad, 7)
    return out


def conv_case(n, c, h, w_, co, k, stride, padding, dilation, tfjs_pad, bias=False, relu=False):
    def build(gen):
        case = {
            'op': 'fused_conv2d' if bias else 'conv2d',
            'x': draw(gen, (n, c, h, w_)),
            'w': draw(gen, (co, c, k, k)),
            'w_to_tfjs': conv_w_to_hwio,
            'torch': {'stride': stride, 'padding': padding, 'dilation': dilation, 'bias': bias, 'relu': relu},
            'tfjs': {'strides': stride, 'pad': tfjs_pad, 'dilations': dilation,
                     'activation': 'relu' if relu else 'linear'},
        }
        if bias:
            case['b'] = draw(gen, (co,))

        def fn(x, w, b):
            y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
            return F.relu(y) if relu else y
        case['fn'] = fn
        return case
    return build


def depthwise_case(n, c, m, h, w_, k, stride, padding, dilation, tfjs_pad):
    def build(gen):
        return {
            'op': 'depthwise',
            'x': draw(gen, (n, c, h, w_)),
            'w': draw(gen, (c * m, 1, k, k)),
            'w_to_tfjs': lambda t: dw_w_to_tfjs(t, c, m),
            'torch': {'stride': stride, 'padding': padding, 'dilation': dilation, 'groups': c},
            'tfjs': {'strides': stride, 'pad': tfjs_pad, 'dilations': dilation},
            'fn': lambda x, w, b: F.conv2d(x, w, None, stride=stride, padding=padding, dilation=dilation, groups=c),
        }
    return build


def pool_case(kind, n, c, h, w_, k, stride, padding, tfjs_pad, values='uniform'):
    def build(gen):
        if kind == 'max':
            fn = lambda x, w, b: F.max_pool2d(x, k, stride=stride, padding=padding)
            extra = {}
        else:
            fn = lambda x, w, b: F.avg_pool2d(x, k, stride=stride, padding=padding, count_include_pad=False)
            extra = {'count_include_pad': False}
        return {
            'op': 'maxpool' if kind == 'max' else 'avgpool',
            'x': draw(gen, (n, c, h, w_), values),
            'torch': {'kernel': k, 'stride': stride, 'padding': padding, **extra},
            'tfjs': {'filterSize': k, 'strides': stride, 'pad': tfjs_pad},
            'fn': fn,
        }
    return build


def explicit(p):
    return [[0, 0], [p, p], [p, p], [0, 0]]


CASES = [
    ('conv2d_3x3_s1_same', conv_case(2, 3, 6, 6, 4, 3, 1, 1, 1, 'same')),
    ('conv2d_3x3_s2_pad1', conv_case(2, 3, 8, 8, 4, 3, 2, 1, 1, explicit(1))),
    ('conv2d_3x3_s2_valid', conv_case(2, 3, 7, 7, 4, 3, 2, 0, 1, 'valid')),
    ('conv2d_3x3_dil2_pad2', conv_case(2, 3, 7, 7, 4, 3, 1, 2, 2, 'same')),
    ('conv2d_5x5_s1_pad2', conv_case(2, 3, 6, 6, 3, 5, 1, 2, 1, 'same')),
    ('conv2d_1x1_s2', conv_case(2, 5, 6, 6, 4, 1, 2, 0, 1, 'valid')),
    ('depthwise_3x3_s1_same', depthwise_case(2, 3, 1, 7, 7, 3, 1, 1, 1, 'same')),
    ('depthwise_3x3_s2_pad1', depthwise_case(2, 3, 1, 8, 8, 3, 2, 1, 1, explicit(1))),
    ('depthwise_3x3_dil2_pad2', depthwise_case(2, 3, 1, 7, 7, 3, 1, 2, 2, 'same')),
    ('depthwise_5x5_dil2_pad4', depthwise_case(2, 2, 1, 8, 8, 5, 1, 4, 2, 'same')),
    ('depthwise_3x3_mult2_valid', depthwise_case(2, 2, 2, 6, 6, 3, 1, 0, 1, 'valid')),
    ('maxpool_3x3_s1_same', pool_case('max', 2, 3, 7, 7, 3, 1, 1, 'same')),
    ('maxpool_3x3_s1_same_ties', pool_case('max', 2, 3, 6, 6, 3, 1, 1, 'same', 'ties')),
    ('maxpool_2x2_s2', pool_case('max', 2, 3, 8, 8, 2, 2, 0, 'valid')),
    ('maxpool_3x3_s2_pad1', pool_case('max', 2, 3, 7, 7, 3, 2, 1, 1)),
    ('avgpool_3x3_s1_pad1_nocount', pool_case('avg', 2, 3, 7, 7, 3, 1, 1, 'same')),
    ('avgpool_3x3_s2_pad1_nocount', pool_case('avg', 2, 3, 7, 7, 3, 2, 1, 1)),
    ('fused_conv2d_bias_linear', conv_case(2, 3, 6, 6, 4, 3, 1, 1, 1, 'same', bias=True)),
    ('fused_conv2d_bias_relu_s2', conv_case(2, 3, 7, 7, 4, 3, 2, 1, 1, explicit(1), bias=True, relu=True)),
]


def main():
    torch.manual_seed(0)
    os.makedirs(OUT_DIR, exist_ok=True)
    groups = {}
    for i, (name, build) in enumerate(CASES):
        case = run_case(name, 1000 + i, build)
        groups.setdefault(case['op'].replace('fused_conv2d', 'conv2d'), []).append(case)
    for op, cases in groups.items():
        path = os.path.join(OUT_DIR, f'{op}.json')
        with open(path, 'w') as f:
            json.dump({'generator': 'scripts/make-torch-grad-fixtures.py', 'torch': torch.__version__,
                       'loss': 'sum(y * up)', 'layout': 'NHWC activations, HWIO conv filters, [KH,KW,C,M] depthwise',
                       'cases': cases}, f, separators=(',', ':'))
        print(f'{path}: {len(cases)} cases, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
