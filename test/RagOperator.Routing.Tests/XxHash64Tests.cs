using System.Runtime.InteropServices;
using System.Text;
using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class XxHash64Tests
{
    // Published XXH64 vectors (xxHash reference implementation, as used by the xxhash bindings and by
    // System.IO.Hashing's tests). Inputs of 32 bytes or more exercise the four-lane stripe loop.
    public static TheoryData<string, ulong, ulong> Vectors => new()
    {
        { "", 0, 0xEF46DB3751D8E999 },
        { "a", 0, 0xD24EC4F1A98C6E5B },
        { "abc", 0, 0x44BC2CF5AD770999 },
        { "message digest", 0, 0x066ED728FCEEB3BE },
        { "abcdefghijklmnopqrstuvwxyz", 0, 0xCFE1F278FA89835C },
        { "Nobody inspects the spammish repetition", 0, 0xFBCEA83C8A378BF1 },
        { "The quick brown fox jumps over the lazy dog", 0, 0x0B242D361FDA71BC },
        { "The quick brown fox jumps over the lazy dog.", 0, 0x44AD33705751AD73 },
        { "123456", 0, 0x2B2DC38AAA53C322 },
        { "1234567890123456789012345678901234567890", 0, 0x5F3AF5E23EEB431D },
        { "12345678901234567890123456789012345678901", 0, 0x45A03ED59AB5CAD6 },
        { "12345678901234567890123456789012345678901234", 0, 0xCA5C1B5B9061279F },
        { ".NET now has non-crypto hashing", 0, 0xD8444D7806DFDE0E },
        { string.Concat(Enumerable.Repeat("This string has 32 ASCII bytes..", 3)), 0, 0x975E3E6FE7E67FBC },
        { string.Concat(Enumerable.Repeat("This string has 33 ASCII bytes...", 3)), 0, 0x488DF4E623587E10 },
        { string.Concat(Enumerable.Repeat("A sixty-three byte test input requires substantial forethought!", 3)), 0, 0x239C7B3A85BD22B3 },
        { "xxhash", 20141025, 0xB559B98D844E0635 },
        { "", 0x007_007_007_007_007, 0x62ADCAD4EC80840E },
        { "Nobody inspects the spammish repetition", 0x007_007_007_007_007, 0xC86A41E2F34280A0 },
        { "abc", 0x007_007_007_007_007, 0x6BF4B26E3CA10C20 },
        { string.Concat(Enumerable.Repeat("This string has 32 ASCII bytes..", 3)), 0x007_007_007_007_007, 0x45116421CF932B1F },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Hash_matches_the_published_test_vector(string input, ulong seed, ulong expected)
    {
        XxHash64.Hash(Encoding.ASCII.GetBytes(input), seed).Should().Be(expected);
    }

    [Fact]
    public void Hash_matches_the_reference_C_library_for_every_length_across_several_stripes()
    {
        // libxxhash is the reference implementation; Debian installs it with apt itself (libapt-pkg depends on it).
        var random = new Random(20241);
        for (var length = 0; length <= 200; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            foreach (var seed in new ulong[] { 0, 1, 0x9E3779B97F4A7C15, ulong.MaxValue })
            {
                XxHash64.Hash(data, seed).Should().Be(NativeXxHash.Hash(data, seed), $"length {length}, seed {seed}");
            }
        }
    }

    [Fact]
    public void Hash_of_a_canonical_point_id_is_the_hash_of_its_UTF8_bytes()
    {
        var key = PointKey.Parse("550E8400-E29B-41D4-A716-446655440000");
        key.Hash().Should().Be(XxHash64.Hash("550e8400-e29b-41d4-a716-446655440000"u8));
        PointKey.FromUlong(42).Hash().Should().Be(XxHash64.Hash("42"u8));
    }

    private static class NativeXxHash
    {
        public static ulong Hash(byte[] data, ulong seed) => XXH64(data, (nuint)data.Length, seed);

        // A byte[] is blittable, so the marshaller pins it and passes a pointer to its first element.
        [DllImport("libxxhash.so.0", CallingConvention = CallingConvention.Cdecl)]
        private static extern ulong XXH64(byte[] input, nuint length, ulong seed);
    }
}
