// The file formats are part of what `VAE` offers: users of the library (and the CLI) get them with it.
@_exported import VAEFormats
