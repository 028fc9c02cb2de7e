using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using VideoMtl.Pipeline.Preview;

namespace VideoMtl.Cli.Http;

/// <summary>
/// <c>multipart/x-mixed-replace</c> MJPEG, as browsers and VLC play it: one JPEG part per new preview
/// frame. The client paces itself: while a send is in progress newer frames replace each other, so a slow
/// client sees fewer frames instead of holding frames or memory; one that stops reading altogether is
/// disconnected after <c>Http:ViewerStallSeconds</c>.
/// </summary>
internal static class MjpegResponse
{
    private const string Boundary = "videomtl-frame";

    public static async Task WriteAsync(HttpContext context, PreviewFeed stream, ViewerBudget budget)
    {
        var response = context.Response;
        response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        response.Headers.CacheControl = "no-cache, no-store";
        var aborted = context.RequestAborted;
        using var viewer = stream.Watch();
        // Until it is dropped, a client that stops reading holds at most one frame (frames are shared, encoded once
        // for every viewer).
        using var stall = new StallGuard(budget.StallTimeout, aborted);
        long sequence = 0;
        try
        {
            while (await stream.NextAsync(sequence, aborted).ConfigureAwait(false) is { } frame)
            {
                sequence = frame.Sequence;
                byte[] header = Encoding.ASCII.GetBytes(string.Create(
                    CultureInfo.InvariantCulture,
                    $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {frame.Jpeg.Length}\r\nX-Frame-Index: {frame.FrameIndex}\r\n\r\n"));
                var deadline = stall.Begin();
                await response.Body.WriteAsync(header, deadline).ConfigureAwait(false);
                await response.Body.WriteAsync(frame.Jpeg, deadline).ConfigureAwait(false);
                await response.Body.WriteAsync(Newline, deadline).ConfigureAwait(false);
                await response.Body.FlushAsync(deadline).ConfigureAwait(false);
                stall.End();
            }
        }
        catch (OperationCanceledException) when (stall.Stalled)
        {
            budget.Stalled();
            context.Abort();
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing to report.
        }
    }

    private static readonly byte[] Newline = "\r\n"u8.ToArray();
}
