using System.Text;
using Microsoft.AspNetCore.Http;
using QrLoginPortal.Api;

namespace QrLoginPortal.Tests.Api;

/// <summary>The answers of the API's JSON body reader, whatever buffer it reads into.</summary>
public sealed class ApiJsonTests
{
    [Theory]
    [InlineData("")]
    [InlineData(" \r\n\t ")]
    public async Task NoBody_OrOnlyWhitespace_IsAnEmptyBody_NotAnError(string body)
    {
        var (read, error) = await ApiJson.ReadOptionalAsync<AttemptRequest>(Context(body), "{}");

        Assert.Null(read);
        Assert.Null(error);
    }

    [Fact]
    public async Task AJsonBody_IsRead_WithWhitespaceAround()
    {
        var (read, error) = await ApiJson.ReadOptionalAsync<AttemptRequest>(Context("\n {\"lsi\": \"ABC\", \"userId\": \"u-1\"} \n"), "{}");

        Assert.Null(error);
        Assert.Equal(new AttemptRequest("ABC", "u-1"), read);
    }

    [Fact]
    public async Task AFieldOfTheWrongType_Is400_NamingTheField()
    {
        var (_, error) = await ApiJson.ReadOptionalAsync<AttemptRequest>(Context("{\"lsi\": 5}"), "{}");

        Assert.Equal(StatusCodes.Status400BadRequest, error!.StatusCode);
        Assert.Equal("lsi", Assert.Single(error.Value!.Errors!).Key);
    }

    [Fact]
    public async Task NotJson_Is400_NamingTheBody_WithTheExample()
    {
        var (_, error) = await ApiJson.ReadOptionalAsync<AttemptRequest>(Context("lsi=ABC"), "{\"lsi\": \"…\"}");

        Assert.Equal(StatusCodes.Status400BadRequest, error!.StatusCode);
        Assert.Contains("{\"lsi\": \"…\"}", Assert.Single(error.Value!.Errors!, e => e.Key == "body").Value);
    }

    [Theory]
    [InlineData(ApiJson.MaxBodyBytes, false)]
    [InlineData(ApiJson.MaxBodyBytes + 1, true)]
    public async Task ABodyWithoutADeclaredLength_IsRefused_OnlyPastTheCap(int length, bool refused)
    {
        // Whitespace around a small object: as long as the caller likes, yet valid JSON up to the cap.
        var body = "{\"lsi\":\"A\"}" + new string(' ', length - 11);

        var (read, error) = await ApiJson.ReadOptionalAsync<AttemptRequest>(Context(body, chunks: 3000), "{}");

        if (refused)
        {
            Assert.Equal(StatusCodes.Status413PayloadTooLarge, error!.StatusCode);
            Assert.Equal("body_too_large", error.Value!.Code);
        }
        else
        {
            Assert.Null(error);
            Assert.Equal("A", read!.Lsi);
        }
    }

    /// <summary>A request whose body arrives in pieces of at most <paramref name="chunks"/> bytes, with no Content-Length.</summary>
    private static DefaultHttpContext Context(string body, int chunks = int.MaxValue)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new TrickleStream(Encoding.UTF8.GetBytes(body), chunks);
        return context;
    }

    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
