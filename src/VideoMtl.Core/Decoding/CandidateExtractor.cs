namespace VideoMtl.Core.Decoding;

/// <summary>
/// Reads a YOLO head laid out channel-major ([4 + classes + extra, anchors]: cx, cy, w, h, class scores,
/// then per-anchor extras) and keeps only anchors whose best class reaches the threshold. Scores are
/// scanned class row by class row, so memory is read sequentially; boxes are only read for survivors.
/// </summary>
public sealed class CandidateExtractor
{
    private float[] _best = [];
    private int[] _bestClass = [];

    /// <summary>Appends the candidates of one image's head output to <paramref name="candidates"/>.</summary>
    public void Extract(ReadOnlySpan<float> head, int anchors, int classes, float confidence, List<BoxCandidate> candidates)
    {
        if (head.Length < (4 + classes) * anchors)
        {
            throw new ArgumentException($"head holds {head.Length} values, fewer than (4 + {classes}) × {anchors}", nameof(head));
        }

        if (_best.Length < anchors)
        {
            _best = new float[anchors];
            _bestClass = new int[anchors];
        }

        var best = _best.AsSpan(0, anchors);
        var bestClass = _bestClass.AsSpan(0, anchors);
        head.Slice(4 * anchors, anchors).CopyTo(best);
        bestClass.Clear();
        for (int c = 1; c < classes; c++)
        {
            var row = head.Slice((4 + c) * anchors, anchors);
            for (int a = 0; a < anchors; a++)
            {
                if (row[a] > best[a])
                {
                    best[a] = row[a];
                    bestClass[a] = c;
                }
            }
        }

        for (int a = 0; a < anchors; a++)
        {
            if (best[a] < confidence)
            {
                continue;
            }

            float cx = head[a], cy = head[anchors + a], w = head[(2 * anchors) + a], h = head[(3 * anchors) + a];
            candidates.Add(new BoxCandidate(a, bestClass[a], best[a], cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)));
        }
    }
}
