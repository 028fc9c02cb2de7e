using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace VideoMtl.Pipeline.Metrics;

/// <summary>
/// Collects the measurements of one meter with a MeterListener and renders them in the Prometheus text
/// exposition format 0.0.4 (prometheus-net is not available here, so this is written by hand).
/// Counters render as <c>NAME_total</c>, histograms as cumulative <c>_bucket{le}</c> plus <c>_sum</c> and
/// <c>_count</c>, observable gauges as read at scrape time. Thread-safe: measurements arrive from every stage.
/// </summary>
public sealed class PrometheusTextExporter : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly IReadOnlyDictionary<string, double[]> _buckets;
    private readonly Lock _scrape = new();

    /// <param name="buckets">Histogram bucket bounds by instrument name (others get seconds-scale defaults).</param>
    public PrometheusTextExporter(string meterName, IReadOnlyDictionary<string, double[]>? buckets = null)
    {
        _buckets = buckets ?? new Dictionary<string, double[]>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                _series.TryAdd(instrument, new Series(instrument, BucketsFor(instrument)));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The exposition text of everything recorded so far (gauges read now).</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            // Observable instruments report their current (for counters: cumulative) value at each
            // collection, so their old values are dropped before asking again.
            foreach (var series in _series.Values.Where(s => s.Instrument.IsObservable))
            {
                series.Clear();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var series in _series.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
            {
                series.Render(text);
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    private double[] BucketsFor(Instrument instrument) => _buckets.TryGetValue(instrument.Name, out var b) ? b : DefaultBuckets;

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, LabelKey(tags));
        }
    }

    /// <summary>Labels rendered once per distinct tag set, sorted by name: <c>{a="x",b="y"}</c>.</summary>
    private static string LabelKey(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new KeyValuePair<string, object?>[tags.Length];
        tags.CopyTo(pairs);
        Array.Sort(pairs, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return "{" + string.Join(",", pairs.Select(p => $"{p.Key}=\"{EscapeLabelValue(Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? string.Empty)}\"")) + "}";
    }

    /// <summary>One instrument's values by label set.</summary>
    private sealed class Series(Instrument instrument, double[] buckets)
    {
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public Instrument Instrument { get; } = instrument;

        private bool IsHistogram => Instrument is Histogram<long> or Histogram<int> or Histogram<double>;

        private bool IsCounter => Instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double>;

        public void Record(double value, string labels)
        {
            var cell = _cells.GetOrAdd(labels, _ => new Cell(IsHistogram ? buckets.Length : 0));
            lock (cell)
            {
                if (Instrument.IsObservable)
                {
                    cell.Value = value;
                    return;
                }

                cell.Value += value;
                cell.Count++;
                for (int i = 0; i < cell.Buckets.Length; i++)
                {
                    if (value <= buckets[i])
                    {
                        cell.Buckets[i]++;
                    }
                }
            }
        }

        public void Clear() => _cells.Clear();

        public void Render(StringBuilder text)
        {
            if (_cells.IsEmpty)
            {
                return;
            }

            string name = IsCounter && !Instrument.Name.EndsWith("_total", StringComparison.Ordinal) ? Instrument.Name + "_total" : Instrument.Name;
            string type = IsHistogram ? "histogram" : IsCounter ? "counter" : "gauge";
            text.Append("# HELP ").Append(name).Append(' ').Append((Instrument.Description ?? name).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, cell) in _cells.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (!IsHistogram)
                    {
                        text.Append(name).Append(labels).Append(' ').Append(Format(cell.Value)).Append('\n');
                        continue;
                    }

                    for (int i = 0; i < buckets.Length; i++)
                    {
                        text.Append(name).Append("_bucket").Append(WithLe(labels, Format(buckets[i]))).Append(' ').Append(cell.Buckets[i]).Append('\n');
                    }

                    text.Append(name).Append("_bucket").Append(WithLe(labels, "+Inf")).Append(' ').Append(cell.Count).Append('\n');
                    text.Append(name).Append("_sum").Append(labels).Append(' ').Append(Format(cell.Value)).Append('\n');
                    text.Append(name).Append("_count").Append(labels).Append(' ').Append(cell.Count).Append('\n');
                }
            }
        }

        private static string WithLe(string labels, string le) =>
            labels.Length == 0 ? $"{{le=\"{le}\"}}" : $"{labels[..^1]},le=\"{le}\"}}";
    }

    /// <summary>Running sum (or gauge value), count and per-bucket counts of one label set.</summary>
    private sealed class Cell(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets];
    }
}
