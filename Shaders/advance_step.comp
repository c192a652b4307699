#version 450
// schedule[0] += 1: the device-side step counter that adam and reparameterize read.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) buffer Schedule { uint schedule[]; };

void main() {
    schedule[0] += 1u;
}
