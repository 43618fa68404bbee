namespace LeaseManager.Tests.Leasing;

public sealed class LeaseIdTests
{
    [Fact]
    public void Owned_and_anonymous_ids_round_trip()
    {
        var owner = OwnerKey.Hash("arn:exec", "r");
        var owned = LeaseId.NewFor(42, owner);
        var anonymous = LeaseId.NewFor(7, null);

        LeaseId.TryParse(owned.ToString(), out var parsedOwned).Should().BeTrue();
        LeaseId.TryParse(anonymous.ToString(), out var parsedAnonymous).Should().BeTrue();
        parsedOwned.Should().Be(owned);
        parsedAnonymous.Should().Be(anonymous);
        anonymous.ToString().Should().StartWith("0007.-.");
    }

    [Fact]
    public void Owner_keys_do_not_collide_across_the_owner_resource_boundary()
    {
        OwnerKey.Hash("ab", "c").Should().NotBe(OwnerKey.Hash("a", "bc"));
        OwnerKey.Hash("a", null).Should().Be(OwnerKey.Hash("a", ""));
        OwnerKey.Hash("a", "r").Should().Be(OwnerKey.Hash("a", "r"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0001")]
    [InlineData("1.-.0123456789abcdef")]
    [InlineData("0001.-.0123456789ABCDEF")]
    [InlineData("0001.xyz.0123456789abcdef")]
    [InlineData("0001.-.0123456789abcdef.extra")]
    [InlineData("-001.-.0123456789abcdef")]
    public void Foreign_text_is_not_a_lease_id(string text) => LeaseId.TryParse(text, out _).Should().BeFalse();
}
