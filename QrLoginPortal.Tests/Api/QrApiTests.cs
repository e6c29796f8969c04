using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

public sealed class QrApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Seed001_ProfileLookup_Create_PollPending_Approve_PollSuccess_ScimUser()
    {
        using var api = await portal.CreateApiClientAsync();

        var profiles = await api.GetFromJsonAsync<JsonElement>("/v1.0/authenticators/clients?search=name%20%3D%20%22Verify%20Profile%22");
        Assert.Equal(1, profiles.GetProperty("total").GetInt32());
        var profileId = profiles.GetProperty("clients")[0].GetProperty("id").GetString();
        Assert.Equal("Verify Profile", profiles.GetProperty("clients")[0].GetProperty("name").GetString());
        Assert.True(profiles.GetProperty("clients")[0].GetProperty("enabled").GetBoolean());

        var created = await api.GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/authenticate?profileId={profileId}");
        var id = created.GetProperty("id").GetString()!;
        var dsi = created.GetProperty("dsi").GetString()!;
        var lsi = created.GetProperty("lsi").GetString()!;
        Assert.Equal("qr", created.GetProperty("type").GetString());
        Assert.Equal("PENDING", created.GetProperty("state").GetString());
        Assert.Equal(profileId, created.GetProperty("profileId").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", created.GetProperty("created").GetString());
        Assert.EndsWith($"/v2.0/factors/qr/{id}", created.GetProperty("location").GetString());
        Assert.Equal("localhost", created.GetProperty("tenant").GetString());
        var png = Convert.FromBase64String(created.GetProperty("qrCode").GetString()!);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);

        var pending = await Anonymous().GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/authenticate/{id}?dsi={dsi}");
        Assert.Equal("PENDING", pending.GetProperty("state").GetString());
        Assert.False(pending.TryGetProperty("lsi", out _));
        Assert.False(pending.TryGetProperty("dsi", out _));
        Assert.False(pending.TryGetProperty("qrCode", out _));
        Assert.False(pending.TryGetProperty("userId", out _));

        // The phone side: the demo user approves this API-made transaction on the portal's approval page.
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var page = await phone.GetPageAsync($"/qr/{lsi}");
        await phone.PostFormAsync($"/qr/{lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });

        var success = await Anonymous().GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/{id}?dsi={dsi}");
        Assert.Equal("SUCCESS", success.GetProperty("state").GetString());
        var userId = success.GetProperty("userId").GetString();

        var user = await api.GetFromJsonAsync<JsonElement>($"/v2.0/Users/{userId}");
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:User", user.GetProperty("schemas")[0].GetString());
        Assert.Equal(PortalFactory.DemoEmail, user.GetProperty("userName").GetString());
        Assert.Equal(PortalFactory.DemoEmail, user.GetProperty("emails")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task WithoutAToken_Create_Is401()
    {
        var response = await Anonymous().GetAsync("/v2.0/factors/qr/authenticate?profileId=default");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task WithoutTheEntitlement_Create_Is403_NamingIt()
    {
        using var limited = await portal.CreateApiClientAsync(PortalFactory.LimitedClientId);

        var response = await limited.GetAsync("/v2.0/factors/qr/authenticate?profileId=default");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("missing_entitlement", error.GetProperty("code").GetString());
        Assert.Contains("authenticateAnyUser", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Token_WithAWrongSecret_IsRefused()
    {
        var response = await Anonymous().PostAsync("/v1.0/endpoint/default/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = PortalFactory.ApiClientId,
            ["client_secret"] = "wrong-secret-wrong-secret",
        }));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/v2.0/factors/qr/authenticate", "profileId")]
    [InlineData("/v2.0/factors/qr/authenticate?profileId=no-such-profile", "profileId")]
    public async Task Create_WithABadProfile_Is400_NamingTheField(string url, string field)
    {
        using var api = await portal.CreateApiClientAsync();

        var response = await api.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Poll_WithAWrongDsi_OrAnUnknownId_AnswersTheSame404()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = created.GetProperty("id").GetString();

        var wrongDsi = await Anonymous().GetAsync($"/v2.0/factors/qr/{id}?dsi=not-the-dsi");
        var unknownId = await Anonymous().GetAsync($"/v2.0/factors/qr/{Guid.NewGuid()}?dsi={created.GetProperty("dsi").GetString()}");

        Assert.Equal(HttpStatusCode.NotFound, wrongDsi.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownId.StatusCode);
        Assert.Equal(await wrongDsi.Content.ReadAsStringAsync(), await unknownId.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("", "dsi")]
    [InlineData("?dsi=x&wait=31", "wait")]
    [InlineData("?dsi=x&wait=soon", "wait")]
    public async Task Poll_WithBadInput_Is400_NamingTheField(string query, string field)
    {
        var response = await Anonymous().GetAsync($"/v2.0/factors/qr/{Guid.NewGuid()}{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Poll_AfterExpiry_SaysTimeout_AndTheCodeCannotBeApproved()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        portal.Clock.Advance(TimeSpan.FromSeconds(121));
        await portal.Services.GetRequiredService<QrSweeper>().ExpireOverdueAsync();

        var poll = await Anonymous().GetFromJsonAsync<JsonElement>(
            $"/v2.0/factors/qr/{created.GetProperty("id").GetString()}?dsi={created.GetProperty("dsi").GetString()}");

        Assert.Equal("TIMEOUT", poll.GetProperty("state").GetString());
        Assert.Equal(AttemptResult.NotAvailable,
            await portal.Services.GetRequiredService<QrLoginService>().ApproveAsync(created.GetProperty("lsi").GetString(), "someone", false, null, null));
    }

    [Fact]
    public async Task LongPoll_AnswersAsSoonAsTheTransactionIsApproved()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = Guid.Parse(created.GetProperty("id").GetString()!);
        var poll = Anonymous().GetAsync($"/v2.0/factors/qr/{id}?dsi={created.GetProperty("dsi").GetString()}&wait=30");
        await portal.Notifier.SubscribedAsync(id).WaitAsync(TimeSpan.FromSeconds(10)); // the poll waits on the push
        Assert.False(poll.IsCompleted);

        var clock = Stopwatch.StartNew();
        await portal.Services.GetRequiredService<QrLoginService>().ApproveAsync(created.GetProperty("lsi").GetString(), "someone", false, null, null);
        var response = await poll.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Stop();

        // The fake clock never moved: only the push can have ended the 30-second wait (without it,
        // WaitAsync above gives up: checked by setting portal.Notifier.Delivers = false).
        Assert.Equal("SUCCESS", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        TestContext.Current.TestOutputHelper?.WriteLine($"long poll answered {clock.Elapsed.TotalMilliseconds:0} ms after the approval");
    }

    [Fact]
    public async Task Delete_RemovesTheTransaction_ThenItIsUnknown()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = created.GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/factors/qr/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Anonymous().GetAsync($"/v2.0/factors/qr/{id}?dsi={created.GetProperty("dsi").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/v2.0/factors/qr/{id}")).StatusCode);
    }

    [Fact]
    public async Task ATransactionMadeByTheApi_ShowsInTheAdminLiveTable()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");

        var row = await portal.Services.GetRequiredService<QrLoginPortal.Admin.TransactionMonitor>()
            .GetAsync(Guid.Parse(created.GetProperty("id").GetString()!));

        Assert.NotNull(row);
        Assert.Equal(QrTransactionState.Pending, row.State);
    }

    [Fact]
    public async Task ScimUser_Unknown_Is404InScimShape()
    {
        using var api = await portal.CreateApiClientAsync();

        var response = await api.GetAsync("/v2.0/Users/no-such-user");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("404", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ProfileSearch_Malformed_Is400()
    {
        using var api = await portal.CreateApiClientAsync();

        var response = await api.GetAsync("/v1.0/authenticators/clients?search=name%20like%20x");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesTheEndpoints_AndHasAnInteractivePage()
    {
        var document = await Anonymous().GetStringAsync("/openapi/v1.json");
        var page = await Anonymous().GetAsync("/api-docs/index.html");

        foreach (var path in new[] { "/v1.0/endpoint/default/token", "/v2.0/factors/qr/authenticate", "/v2.0/factors/qr/{id}",
                     "/config/v2.0/factors/qr", "/v1.0/authenticators/clients", "/v2.0/Users/{id}",
                     "/v1.0/authenticate", "/v1.0/authenticate/sso", "/idp/ws/rest/authn" })
        {
            Assert.Contains($"\"{path}\"", document);
        }

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Attempt_ByASignedInUser_Is204_ThenASecondAttemptIsRefused()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = created.GetProperty("id").GetString();
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var first = await phone.Http.PostAsJsonAsync($"/v2.0/factors/qr/{id}", new { lsi = created.GetProperty("lsi").GetString() });
        var second = await phone.Http.PostAsJsonAsync($"/v2.0/factors/qr/{id}", new { lsi = created.GetProperty("lsi").GetString() });

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        var poll = await Anonymous().GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/{id}?dsi={created.GetProperty("dsi").GetString()}");
        Assert.Equal("SUCCESS", poll.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Attempt_WithReturnJwt_GivesAnAssertion_SignedByAKeyPublishedAtJwks()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = created.GetProperty("id").GetString();
        var userId = await portal.CreateUserAsync("jwt-user@test.local");

        var response = await api.PostAsJsonAsync($"/v2.0/factors/qr/{id}?returnJwt=true",
            new { lsi = created.GetProperty("lsi").GetString(), userId });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var assertion = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assertion").GetString();
        var keys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(await Anonymous().GetStringAsync("/.well-known/jwks"));
        var validation = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(assertion,
            new Microsoft.IdentityModel.Tokens.TokenValidationParameters
            {
                IssuerSigningKeys = keys.GetSigningKeys(),
                ValidateAudience = false,
                ValidIssuer = "http://localhost/",
                ValidateLifetime = false,
            });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(userId, validation.Claims["sub"]);
        Assert.Equal(id, validation.Claims["txn"]);
    }

    [Fact]
    public async Task Attempt_WithoutAuthentication_Is401_AndWithoutTheEntitlement_Is403()
    {
        using var api = await portal.CreateApiClientAsync();
        using var limited = await portal.CreateApiClientAsync(PortalFactory.LimitedClientId);
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var url = $"/v2.0/factors/qr/{created.GetProperty("id").GetString()}";
        var body = new { lsi = created.GetProperty("lsi").GetString(), userId = "anyone" };

        Assert.Equal(HttpStatusCode.Unauthorized, (await Anonymous().PostAsJsonAsync(url, body)).StatusCode);
        var forbidden = await limited.PostAsJsonAsync(url, body);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("verifyAsAuthenticator", await forbidden.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Attempt_AfterExpiry_OrWithAnotherTransactionsLsi_IsRefused()
    {
        using var api = await portal.CreateApiClientAsync();
        var userId = await portal.CreateUserAsync("late-user@test.local");
        var first = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var second = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");

        var crossed = await api.PostAsJsonAsync($"/v2.0/factors/qr/{first.GetProperty("id").GetString()}",
            new { lsi = second.GetProperty("lsi").GetString(), userId });
        portal.Clock.Advance(TimeSpan.FromSeconds(121));
        var late = await api.PostAsJsonAsync($"/v2.0/factors/qr/{first.GetProperty("id").GetString()}",
            new { lsi = first.GetProperty("lsi").GetString(), userId });

        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
    }

    [Theory]
    [InlineData("{}", "lsi")]
    [InlineData("{\"lsi\": \"X\"}", "userId")]
    [InlineData("not json", "body")]
    public async Task Attempt_WithBadInput_Is400_NamingTheField(string body, string field)
    {
        using var api = await portal.CreateApiClientAsync();

        var response = await api.PostAsync($"/v2.0/factors/qr/{Guid.NewGuid()}",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    private HttpClient Anonymous() => portal.CreateDefaultClient();
}
