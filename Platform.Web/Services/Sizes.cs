using System.Globalization;

namespace Platform.Web.Services;

/// <summary>How pages write a size in bytes: "571.2 KiB", "2.3 MiB", "1.1 GiB" (binary units, one decimal).</summary>
public static class Sizes
{
    public static string Of(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
