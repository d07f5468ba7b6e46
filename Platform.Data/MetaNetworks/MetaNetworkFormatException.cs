namespace Platform.Data.MetaNetworks;

/// <summary>A meta-network file that does not fit the architecture (missing, extra, misshapen or broken tensor).</summary>
public sealed class MetaNetworkFormatException(string message, Exception? inner = null) : Exception(message, inner);
