namespace VideoMtl.Core.Tracking;

/// <summary>Where a track stands after an update.</summary>
internal enum TrackState
{
    /// <summary>Seen in too few consecutive frames to have an id yet; one miss ends it.</summary>
    Tentative,

    /// <summary>Confirmed (has an id) and matched in the latest frame.</summary>
    Tracked,

    /// <summary>Confirmed, matched nothing lately; predicted on until its time runs out.</summary>
    Lost,
}
