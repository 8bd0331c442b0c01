/// The version both programs report (`--version`) and announce (Home Assistant's origin block).
public enum ProductVersion {
    public static let current = "0.1.0"
    public static let name = "smartmeter-datacollector"
}
