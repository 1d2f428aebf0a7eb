"""The hand-designed side of the "search + re-train" benchmark row (bench/search-retrain.ts).

A small VGG-style CNN for 28x28x1 digits, written by hand as a practitioner would, under 100K parameters:
two 3x3 conv-BN-ReLU pairs (32, then 64 channels) each followed by 2x2 max pooling, global average pooling and one
linear layer (65,834 parameters). It is trained for a fixed wall-clock budget with the same recipe as the engine's
finalists (examples/recipes/finalist.json): SGD with momentum 0.9, weight decay 5e-4, learning rate 0.05 with a
one-epoch linear warm-up then cosine decay (here over the wall-clock budget, since the number of epochs is not
known in advance), label smoothing 0.1, inverse-frequency class weights, random crop after zero padding by 2, batch
64; validation accuracy after every epoch selects the weights that are tested (as the finalists' early stopping
does). The test split is read once, after training.

Data: the normalised float32 arrays the engine trains on (written by bench/search-retrain-data.ts): a directory
with manifest.json {shape: [H, W, C], splits: {train|valid|test: {count, x, y}}}, x float32 NHWC, y int32.

    python3 bench/hand_cnn.py --data DIR --budget-s 1200 [--threads 2] [--seed 1]

Prints one JSON line: {ok, net, params, macs, torch, threads, epochs, steps, train_s, wall_s, valid_acc,
best_epoch, test: {count, accuracy}}; on failure {ok: false, error}.
"""
import argparse
import json
import math
import os
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--budget-s', type=float, required=True)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--weight-decay', type=float, default=5e-4)
    p.add_argument('--label-smoothing', type=float, default=0.1)
    p.add_argument('--crop-padding', type=int, default=2)
    args = p.parse_args()
    t_start = time.perf_counter()
    try:
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - reported to the caller as data
        print(json.dumps({'ok': False, 'error': f'PyTorch unavailable: {e} (apt-get install -y python3-torch)'}))
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = np.random.default_rng(args.seed)

    with open(os.path.join(args.data, 'manifest.json')) as f:
        manifest = json.load(f)
    h, w, c = manifest['shape']

    def load(name):
        s = manifest['splits'][name]
        x = np.fromfile(os.path.join(args.data, s['x']), dtype=np.float32).reshape(s['count'], h, w, c)
        y = np.fromfile(os.path.join(args.data, s['y']), dtype=np.int32)
        return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y.astype(np.int64))

    x_train, y_train = load('train')
    x_valid, y_valid = load('valid')
    classes = int(manifest.get('classes', 10))

    def conv_bn(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    net = nn.Sequential(
        *conv_bn(c, 32), *conv_bn(32, 32), nn.MaxPool2d(2),
        *conv_bn(32, 64), *conv_bn(64, 64), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes),
    )
    params = sum(p.numel() for p in net.parameters())
    # Multiply-accumulates of one image (convs and the linear layer, as the engine's cost counter counts them).
    macs = (h * w * 32 * c * 9 + h * w * 32 * 32 * 9 + (h // 2) * (w // 2) * 64 * 32 * 9 + (h // 2) * (w // 2) * 64 * 64 * 9 + 64 * classes)

    counts = torch.bincount(y_train, minlength=classes).double()
    weights = (len(y_train) / (classes * counts.clamp(min=1))).float()
    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=args.label_smoothing)
    # Weight decay on every parameter, as the engine's SGD applies it.
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)

    def accuracy(x, y):
        net.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(y), 256):
                correct += int((net(x[i:i + 256]).argmax(1) == y[i:i + 256]).sum())
        net.train()
        return correct / max(1, len(y))

    pad = args.crop_padding

    def augment(xb):
        if pad == 0:
            return xb
        n = xb.shape[0]
        padded = F.pad(xb, (pad, pad, pad, pad))
        dy = gen.integers(0, 2 * pad + 1, n)
        dx = gen.integers(0, 2 * pad + 1, n)
        return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])

    n = len(y_train)
    steps_per_epoch = math.ceil(n / args.batch)
    best = {'acc': -1.0, 'epoch': 0, 'state': None}
    history = []
    step = 0
    epoch = 0.0
    t0 = time.perf_counter()
    out_of_time = False
    net.train()
    while not out_of_time:
        order = torch.from_numpy(gen.permutation(n))
        done = 0
        for i in range(0, n, args.batch):
            elapsed = time.perf_counter() - t0
            if elapsed >= args.budget_s and step > 0:
                out_of_time = True
                break
            warm = min(1.0, (step + 1) / steps_per_epoch)
            lr = args.lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / args.budget_s)))
            for g in opt.param_groups:
                g['lr'] = lr
            idx = order[i:i + args.batch]
            loss = loss_fn(net(augment(x_train[idx])), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            done += len(idx)
        epoch += done / n
        if done == 0:
            break
        acc = accuracy(x_valid, y_valid)
        history.append({'epoch': round(epoch, 3), 'valid_acc': acc, 'seconds': round(time.perf_counter() - t0, 2)})
        if acc > best['acc']:
            best = {'acc': acc, 'epoch': round(epoch, 3), 'state': {k: v.clone() for k, v in net.state_dict().items()}}
    train_s = time.perf_counter() - t0
    if best['state'] is not None:
        net.load_state_dict(best['state'])
    # The only read of the test split: once, after training, with the weights validation chose.
    x_test, y_test = load('test')
    test_acc = accuracy(x_test, y_test)
    print(json.dumps({
        'ok': True, 'net': 'hand-cnn (conv32-conv32-pool-conv64-conv64-pool-gap-fc, BN)', 'params': params, 'macs': macs,
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'epochs': round(epoch, 3), 'steps': step,
        'train_s': round(train_s, 2), 'wall_s': round(time.perf_counter() - t_start, 2), 'valid_acc': best['acc'],
        'best_epoch': best['epoch'], 'history': history, 'test': {'count': len(y_test), 'accuracy': test_acc},
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main())
