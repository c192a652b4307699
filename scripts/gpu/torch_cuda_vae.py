#!/usr/bin/env python3
"""PyTorch on CUDA, for side-by-side timing with `vae` on the same GPU: the reference model
(784-400-20, ReLU, Bernoulli logits, BCE summed + analytic KL, Adam 1e-3, batch 128), or with --arch conv28
the default of `vae train --arch conv28` (vae_presets.Conv28VAE, cuDNN convolutions), MNIST read from the
IDX files and kept on the GPU, minibatches gathered there, losses summed on the GPU and read once per
epoch. Prints per-epoch training time; --sgemm N times an N^3 float32 product instead (TF32 off).
"""
import argparse, gzip, json, os, time
import numpy as np
import torch
import torch.nn.functional as F
from vae_presets import Conv28VAE

def images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, rows, cols = np.frombuffer(raw[4:16], dtype=">u4")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)

class VAE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = torch.nn.Linear(784, 400), torch.nn.Linear(400, 20), torch.nn.Linear(400, 20)
        self.fc3, self.fc4 = torch.nn.Linear(20, 400), torch.nn.Linear(400, 784)
    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar

def loss(logits, x, mu, logvar):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "Data", "mnist"))
    p.add_argument("--json")
    p.add_argument("--sgemm", type=int)
    p.add_argument("--arch", choices=["mlp", "conv28"], default="mlp")
    p.add_argument("--device", default="cuda", help="cuda, or cpu to check the script where there is no GPU")
    a = p.parse_args()
    dev = torch.device(a.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if a.sgemm:
        n = a.sgemm
        x, y = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
        for _ in range(3): x @ y
        torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(20): x @ y
        torch.cuda.synchronize(); s = (time.perf_counter() - t) / 20
        print(f"torch sgemm {n}^3 fp32: {s * 1e3:.3f} ms, {2 * n ** 3 / s / 1e12:.2f} TFLOP/s ({torch.cuda.get_device_name()})")
        return
    torch.manual_seed(1)
    train = torch.tensor(images(os.path.join(a.data, "train-images-idx3-ubyte.gz")), device=dev, dtype=torch.float32) / 255
    if a.arch == "conv28":
        train = train.reshape(-1, 1, 28, 28)
        model = Conv28VAE().to(dev)
    else:
        model = VAE().to(dev)
    name = torch.cuda.get_device_name() if dev.type == "cuda" else str(dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, a.epochs + 1):
        sync(); t = time.perf_counter()
        order = torch.randperm(train.shape[0], device=dev)
        total = torch.zeros((), device=dev)
        for i in range(0, train.shape[0], 128):
            x = train[order[i:i + 128]]
            logits, mu, logvar = model(x)
            l = loss(logits, x, mu, logvar)
            opt.zero_grad(); l.backward(); opt.step()
            total += l.detach()
        avg = total.item() / train.shape[0]
        sync(); s = time.perf_counter() - t
        print(f"torch {dev.type} {a.arch} epoch {epoch}: train loss {avg:.4f}, {s:.3f} s, {train.shape[0] / s:.0f} images/s ({name})")
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps({"arch": a.arch, "epoch": epoch, "train_loss": avg, "seconds": s}) + "\n")

if __name__ == "__main__":
    main()
