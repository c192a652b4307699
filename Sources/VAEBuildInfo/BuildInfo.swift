/// What this build of VulkanVAE is.
public enum BuildInfo {
    /// `git describe --always --dirty --tags` of the checkout it was built from ("unknown" outside git).
    public static var version: String { generatedVersion }
}
