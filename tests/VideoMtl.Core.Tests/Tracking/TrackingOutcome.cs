namespace VideoMtl.Core.Tests.Tracking;

/// <summary>
/// What a tracker made of a scene with known identities, scored the way multi-object tracking benchmarks
/// count identity errors: a switch is an id that passes from one identity to another (or an identity that
/// takes an id another had), a fragment is an identity that gets a new id after having had one.
/// </summary>
internal sealed class TrackingOutcome
{
    private readonly Dictionary<int, List<(int Frame, int TrackId, bool Kept, float Score)>> _byIdentity = [];

    public void Record(int frame, int identity, bool kept, int trackId, float score)
    {
        if (!_byIdentity.TryGetValue(identity, out var list))
        {
            _byIdentity[identity] = list = [];
        }

        list.Add((frame, trackId, kept, score));
    }

    /// <summary>Ids seen on each identity, in order of first appearance.</summary>
    public IReadOnlyList<int> IdsOf(int identity) =>
        _byIdentity.TryGetValue(identity, out var list) ? list.Where(e => e.TrackId >= 0).Select(e => e.TrackId).Distinct().ToList() : [];

    /// <summary>Ids that were given to more than one identity.</summary>
    public int IdSwitches
    {
        get
        {
            var owners = new Dictionary<int, HashSet<int>>();
            foreach (var (identity, list) in _byIdentity)
            {
                foreach (var e in list.Where(e => e.TrackId >= 0))
                {
                    if (!owners.TryGetValue(e.TrackId, out var set))
                    {
                        owners[e.TrackId] = set = [];
                    }

                    set.Add(identity);
                }
            }

            return owners.Values.Sum(set => set.Count - 1);
        }
    }

    /// <summary>Extra ids over one per identity.</summary>
    public int Fragments => _byIdentity.Keys.Sum(identity => Math.Max(0, IdsOf(identity).Count - 1));

    /// <summary>Frames in which the identity was reported (kept) without an id, after it first had one.</summary>
    public int UntrackedAfterConfirmation(int identity)
    {
        var list = _byIdentity[identity];
        int first = list.FindIndex(e => e.TrackId >= 0);
        return first < 0 ? list.Count : list.Skip(first).Count(e => e.Kept && e.TrackId < 0);
    }

    public IReadOnlyList<(int Frame, int TrackId, bool Kept, float Score)> Entries(int identity) => _byIdentity[identity];

    public string Describe() => string.Join("; ", _byIdentity.OrderBy(p => p.Key).Select(p => $"identity {p.Key}: ids [{string.Join(",", IdsOf(p.Key))}]"));
}
