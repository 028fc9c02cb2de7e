using System.Threading.Channels;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Letterboxes each frame of one file stream, in order, into a pooled tensor slot and queues it for the
/// batcher: a file loses nothing, so its frames are prepared ahead and wait their turn. Live streams have no
/// such worker: the batcher prepares a live frame only once it has chosen it (see <see cref="FrameBatcher"/>).
/// </summary>
internal sealed class PreprocessWorker(ChannelReader<FramePacket> input, ChannelWriter<FramePacket> output, FramePreparer preparer, FramePacketPool pool)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        await foreach (var packet in input.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            try
            {
                preparer.Prepare(packet);
                await output.WriteAsync(packet, cancellation).ConfigureAwait(false);
            }
            catch
            {
                pool.Return(packet); // a fault or an abort: the frame in hand goes back, whatever happened
                throw;
            }
        }
    }
}
