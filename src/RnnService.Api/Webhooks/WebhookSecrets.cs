using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;

namespace RnnService.Api.Webhooks;

/// <summary>
/// Webhook secrets: made as Standard Webhooks writes them ("whsec_" + base64 of 32 random bytes), stored encrypted with
/// AES-256-GCM so the dispatcher of any replica can sign with them, and shown only once, at creation. The key is
/// Webhooks:SecretEncryptionKey, or else one random key kept in the database (made once, race-free, by the first
/// replica that needs it). A digest would not do: signing needs the secret itself.
/// </summary>
public sealed class WebhookSecrets(IDbContextFactory<RnnDbContext> dbFactory, IOptions<WebhooksOptions> options)
{
    public const string Prefix = "whsec_";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private byte[]? _key;

    public static string NewSecret() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The HMAC key a secret stands for: the base64 after the prefix.</summary>
    public static byte[] SigningKey(string secret) => Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);

    /// <summary>webhook-signature: "v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" under the secret's key.</summary>
    public static string Sign(string secret, string messageId, long timestamp, string body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(SigningKey(secret), Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}")));

    public async Task<byte[]> EncryptAsync(string secret, CancellationToken ct)
    {
        var key = await KeyAsync(ct);
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealed_ = new byte[NonceSize + TagSize + plain.Length];
        RandomNumberGenerator.Fill(sealed_.AsSpan(0, NonceSize));
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(sealed_.AsSpan(0, NonceSize), plain, sealed_.AsSpan(NonceSize + TagSize), sealed_.AsSpan(NonceSize, TagSize));
        return sealed_;
    }

    public async Task<string> DecryptAsync(byte[] sealed_, CancellationToken ct)
    {
        var plain = new byte[sealed_.Length - NonceSize - TagSize];
        using var aes = new AesGcm(await KeyAsync(ct), TagSize);
        aes.Decrypt(sealed_.AsSpan(0, NonceSize), sealed_.AsSpan(NonceSize + TagSize), sealed_.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }

    private async Task<byte[]> KeyAsync(CancellationToken ct)
    {
        if (_key is { } key) return key;
        await _loading.WaitAsync(ct);
        try
        {
            return _key ??= options.Value.SecretEncryptionKey is { Length: > 0 } configured
                ? Configured(configured)
                : await StoredKeyAsync(ct);
        }
        finally
        {
            _loading.Release();
        }
    }

    private static byte[] Configured(string base64)
    {
        var key = Convert.FromBase64String(base64);
        return key.Length == 32 ? key : throw new InvalidOperationException("Webhooks:SecretEncryptionKey must be the base64 of 32 bytes.");
    }

    private async Task<byte[]> StoredKeyAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Both providers keep the first insert and ignore the others, so every replica reads the same key.
        var candidate = RandomNumberGenerator.GetBytes(32);
        await db.Database.ExecuteSqlAsync($"""INSERT INTO "WebhookKeys" ("Id", "Key") VALUES (1, {candidate}) ON CONFLICT DO NOTHING""", ct);
        return await db.WebhookKeys.AsNoTracking().Where(k => k.Id == 1).Select(k => k.Key).SingleAsync(ct);
    }
}
