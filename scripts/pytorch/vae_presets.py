#!/usr/bin/env python3
"""The PyTorch definitions of VulkanVAE's architectures (`vae train --arch ...`).

A state_dict of these modules, saved with the safetensors library, is a VulkanVAE checkpoint: the tensor
names and shapes are the contract (`vae eval --checkpoint file.safetensors` reads it without our
metadata), and a VulkanVAE checkpoint loads into them with `load_file` + `load_state_dict`.

    from vae_presets import Conv28VAE
    model = Conv28VAE()                    # the default of --arch conv28
    model.load_state_dict(safetensors.torch.load_file("runs/x/model.safetensors"))

All return decoder logits (Bernoulli likelihood); mu and logvar are the posterior's parameters.
Conv64VAE has BatchNorm2d layers: call model.eval() before evaluating, as VulkanVAE's eval,
sample, reconstruct and exploration commands do (training uses the batch's statistics).
"""
import torch
import torch.nn as nn


class MLPVAE(nn.Module):
    """--arch mlp (PyTorch's VAE example): 784-400-20, names fc1, fc21, fc22, fc3, fc4."""

    def __init__(self, inputs=784, hidden=400, z=20):
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.fc21 = nn.Linear(hidden, z)
        self.fc22 = nn.Linear(hidden, z)
        self.fc3 = nn.Linear(z, hidden)
        self.fc4 = nn.Linear(hidden, inputs)

    def encode(self, x):
        h = torch.relu(self.fc1(x.flatten(1)))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        return self.fc4(torch.relu(self.fc3(z)))


class SequentialVAE(nn.Module):
    """The convolutional presets' common shape: Sequentials `encoder` and `decoder`, Linear heads `mu`
    and `logvar`; forward draws z with the reparameterization and returns (logits, mu, logvar)."""

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


class Conv28VAE(SequentialVAE):
    """--arch conv28 [--conv-channels 32,64] [--hidden 256] [--latent 20], for C x 28 x 28 images.

    With the defaults this is exactly:
      encoder = Sequential(Conv2d(1,32,4,2,1), ReLU(), Conv2d(32,64,4,2,1), ReLU(),
                           Flatten(), Linear(3136,256), ReLU())
      mu = Linear(256,Z); logvar = Linear(256,Z)
      decoder = Sequential(Linear(Z,256), ReLU(), Linear(256,3136), ReLU(), Unflatten(1,(64,7,7)),
                           ConvTranspose2d(64,32,4,2,1), ReLU(), ConvTranspose2d(32,1,4,2,1))
    Other channel lists add or drop stride-2 levels (28 -> 14 -> 7 -> 3 -> 2 -> 1); the decoder mirrors
    them with the output_padding that restores each side.
    """

    def __init__(self, channels=(32, 64), hidden=(256,), z=20, in_channels=1):
        super().__init__()
        sides, enc = [28], []
        previous = in_channels
        for c in channels:
            enc += [nn.Conv2d(previous, c, 4, 2, 1), nn.ReLU()]
            sides.append((sides[-1] + 2 - 4) // 2 + 1)
            previous = c
        enc.append(nn.Flatten())
        width = previous * sides[-1] ** 2
        flat = width
        for h in hidden:
            enc += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.encoder = nn.Sequential(*enc)
        self.mu = nn.Linear(width, z)
        self.logvar = nn.Linear(width, z)
        dec, width = [], z
        for h in reversed(hidden):
            dec += [nn.Linear(width, h), nn.ReLU()]
            width = h
        dec += [nn.Linear(width, flat), nn.ReLU(), nn.Unflatten(1, (channels[-1], sides[-1], sides[-1]))]
        outs = list(reversed(channels[:-1])) + [in_channels]
        previous = channels[-1]
        for level, c in enumerate(outs):
            src, dst = sides[len(sides) - 1 - level], sides[len(sides) - 2 - level]
            pad = dst - ((src - 1) * 2 - 2 + 4)
            dec.append(nn.ConvTranspose2d(previous, c, 4, 2, 1, output_padding=pad))
            if level < len(outs) - 1:
                dec.append(nn.ReLU())
            previous = c
        self.decoder = nn.Sequential(*dec)



class Conv64VAE(SequentialVAE):
    """--arch conv64 [--conv-channels 32,64,128,256,512] [--hidden ""] [--latent 128] [--activation leaky_relu]
    [--batch-norm on], for C x 64 x 64 images: PyTorch-VAE's VanillaVAE as flat Sequentials.

    With the defaults this is:
      encoder = Sequential(Conv2d(C,32,3,2,1), BatchNorm2d(32), LeakyReLU(), ... ,
                           Conv2d(256,512,3,2,1), BatchNorm2d(512), LeakyReLU(), Flatten())
      mu = Linear(2048,Z); logvar = Linear(2048,Z)
      decoder = Sequential(Linear(Z,2048), Unflatten(1,(512,2,2)),
                           ConvTranspose2d(512,256,3,2,1,output_padding=1), BatchNorm2d(256), LeakyReLU(), ...,
                           ConvTranspose2d(32,32,3,2,1,output_padding=1), BatchNorm2d(32), LeakyReLU(),
                           Conv2d(32,C,3,1,1))                                             # logits
    VanillaVAE's nested names map one to one: encoder.I.0/1 -> encoder.3I/3I+1, decoder_input -> decoder.0,
    decoder.I.0/1 -> decoder.3I+2/3I+3, final_layer.0/1 -> the last ConvTranspose2d/BatchNorm2d, final_layer.3
    -> the last Conv2d (VanillaVAE ends in Tanh for a squared error; here the last Conv2d gives logits).
    """

    def __init__(self, channels=(32, 64, 128, 256, 512), hidden=(), z=128, in_channels=3, batch_norm=True,
                 activation=nn.LeakyReLU):
        super().__init__()

        def block(layer, c):
            return [layer, nn.BatchNorm2d(c), activation()] if batch_norm else [layer, activation()]

        enc, previous = [], in_channels
        for c in channels:
            enc += block(nn.Conv2d(previous, c, 3, 2, 1), c)
            previous = c
        enc.append(nn.Flatten())
        side = 64 >> len(channels)
        width = flat = channels[-1] * side * side
        for h in hidden:
            enc += [nn.Linear(width, h), activation()]
            width = h
        self.encoder = nn.Sequential(*enc)
        self.mu = nn.Linear(width, z)
        self.logvar = nn.Linear(width, z)
        dec, width = [], z
        for h in reversed(hidden):
            dec += [nn.Linear(width, h), activation()]
            width = h
        dec += [nn.Linear(width, flat), nn.Unflatten(1, (channels[-1], side, side))]
        previous = channels[-1]
        for c in list(reversed(channels[:-1])) + [channels[0]]:
            dec += block(nn.ConvTranspose2d(previous, c, 3, 2, 1, output_padding=1), c)
            previous = c
        dec.append(nn.Conv2d(previous, in_channels, 3, 1, 1))
        self.decoder = nn.Sequential(*dec)



if __name__ == "__main__":
    for model in (Conv28VAE(), Conv64VAE()):
        print(model)
        print({k: tuple(v.shape) for k, v in model.state_dict().items()})
        print(sum(p.numel() for p in model.parameters()), "parameters")
