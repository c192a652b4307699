// The geometry of a convolution (Swift's ConvGeometry), as push constants shared by the convolution
// shaders. Images are rows of NCHW values: the convolution's input side has C x H x W values per image,
// its output side O x OH x OW. A transposed convolution reads the output side and writes the input side.
layout(push_constant) uniform Geometry {
    uint batch;
    uint C, H, W;      // input channels, height, width
    uint O, OH, OW;    // output channels, height, width
    uint KH, KW;       // kernel
    uint stride, pad;
} g;
