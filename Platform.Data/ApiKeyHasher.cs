using System.Security.Cryptography;

namespace Platform.Data;

/// <summary>API keys: "dp_" + 32 random bytes (base64url). Only SHA-256(key) and a display prefix are stored.</summary>
public static class ApiKeyHasher
{
    public const string KeyPrefix = "dp_";
    public const int DisplayPrefixLength = 10;

    public static string Generate() =>
        KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string key) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));

    public static string DisplayPrefix(string key) => key[..Math.Min(DisplayPrefixLength, key.Length)];
}
