extern alias benchmarks;

using System.Diagnostics;
using benchmarks::QrLoginPortal.Benchmarks;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// The benchmark's browser and pages modes on a tiny N against this suite's portal: their page probes,
/// selectors and timing reads still work. Nothing here asserts a time.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BenchmarkSmokeTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task BrowserMode_MeasuresEveryStepOfTwoSignIns()
    {
        var samples = await BrowserBenchmark.MeasureAsync(Fixture.Browser, BaseUrl, count: 2, warmUp: 0);

        Assert.Equal(2, samples.Count);
        Assert.All(samples, s =>
        {
            // Every step was seen (a missing mark or paint entry gives NaN), in the order the person sees them.
            double[] steps = [s.ClickToApproved, s.ApprovedToNavigation, s.RedeemRequest, s.RedirectToResponse,
                s.ResponseBody, s.ResponseEndToDomContentLoaded, s.NavigationToPaint, s.ClickToPaint,
                s.ClickToPhoneRequest, s.PhoneServer, s.PhoneRequestToApproved, s.ApprovedToPhoneAnswer];
            Assert.All(steps, step => Assert.True(double.IsFinite(step), $"a step is {step}: {s}"));
            Assert.True(s.ClickToPaint >= s.ClickToApproved, s.ToString());
            // The signed-in heading's paint (Element Timing, valid in place too) is seen, and the path is told.
            Assert.True(double.IsFinite(s.ClickToHeadingPainted) && s.ClickToHeadingPainted >= s.ClickToApproved, s.ToString());
            Assert.False(s.SignedInInPlace, s.ToString());
            // The phone's request is read from its fetch: the approval page answers in place (ApproveSignIn.razor.js).
            Assert.True(s.PhoneInPlace, s.ToString());
        });
    }

    [Fact]
    public async Task PagesMode_ReadsTheHeapAtEachPageCount_AndThePagesStayWaiting()
    {
        var result = await PagesBenchmark.MeasureAsync(Fixture.Browser, BaseUrl, Process.GetCurrentProcess(), pages: 3, idleSeconds: 0);

        Assert.Equal(3, result.Open);
        Assert.Equal(3, result.StillWaiting);
        Assert.True(result.Readings.Count >= 2, $"{result.Readings.Count} heap readings");
        Assert.All(result.Readings, r => Assert.True(r.Heap > 0));
    }
}
