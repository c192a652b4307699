#!/usr/bin/env python3
"""Times training steps of --arch conv64 (vae_presets.Conv64VAE, PyTorch-VAE's VanillaVAE layout) in PyTorch
on the CPU: Adam 1e-3, batch 128, Bernoulli logits summed + KL, on N images of 3x64x64 held in one tensor
(the values do not change the cost of a convolution). Prints one JSON line with images per second over the
steps after the first two (warm-up). The peer of `vae bench --device cpu --what training --arch conv64`.

    time_conv64.py [--images 1280] [--threads 2] [--seed 1]
"""
import argparse, json, os, sys, time
import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vae_presets import Conv64VAE

p = argparse.ArgumentParser()
p.add_argument("--images", type=int, default=1280)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
model = Conv64VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
data = torch.rand(a.images, 3, 64, 64)
model.train()
times = []
for first in range(0, a.images, 128):
    x = data[first:first + 128]
    start = time.perf_counter()
    logits, mu, logvar = model(x)
    loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") \
        - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    opt.zero_grad()
    loss.backward()
    opt.step()
    times.append((time.perf_counter() - start, x.shape[0]))
timed = times[2:]
print(json.dumps({"images": sum(n for _, n in timed), "seconds": sum(t for t, _ in timed),
                  "images_per_second": sum(n for _, n in timed) / sum(t for t, _ in timed),
                  "threads": a.threads, "torch": torch.__version__}))
