using VideoMtl.Core.Results;
using VideoMtl.Core.Tracking;

namespace VideoMtl.Core.Tests.Tracking;

public sealed class ObjectTrackerTests
{
    private const float Confidence = 0.25f;

    private static ObjectTracker NewTracker(TrackerOptions? options = null) => new(options ?? new TrackerOptions(), Confidence);

    [Fact]
    public void Two_people_crossing_keep_their_ids_through_the_frame_where_one_hides_the_other()
    {
        var scene = new SyntheticScene(fps: 10);
        int a = scene.Add(50, 200, 60, 160, vx: 120, vy: 0, score: 0.7f);
        int b = scene.Add(650, 215, 60, 160, vx: -120, vy: 0, score: 0.9f);
        var outcome = scene.Run(NewTracker(), Enumerable.Range(0, 50));

        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
        Assert.Single(outcome.IdsOf(a));
        Assert.Single(outcome.IdsOf(b));
        // The crossing did hide one of them (same-class NMS), so the test exercises an occlusion.
        Assert.True(outcome.Entries(a).Count < 50, "no frame hid the person behind");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    public void An_occlusion_of_one_second_keeps_the_ids(int fps)
    {
        var scene = new SyntheticScene(fps);
        int a = scene.Add(40, 100, 50, 140, vx: 60, vy: 10);
        int b = scene.Add(600, 320, 55, 150, vx: -50, vy: -5);
        // Both vanish for exactly one second in the middle of a four-second walk.
        scene.Detector = (frame, _, s) => frame >= 2 * fps && frame < 3 * fps ? null : s;
        var outcome = scene.Run(NewTracker(), Enumerable.Range(0, 4 * fps));

        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
        Assert.Single(outcome.IdsOf(a));
        Assert.Single(outcome.IdsOf(b));
        Assert.Equal(0, outcome.UntrackedAfterConfirmation(a));
    }

    [Fact]
    public void Missed_detections_at_random_do_not_split_tracks()
    {
        var (outcome, _) = RunMissedDetections(seed: 11);
        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
    }

    [Fact]
    public void The_same_detections_give_the_same_ids_on_every_run()
    {
        var (first, firstIds) = RunMissedDetections(seed: 3);
        var (second, secondIds) = RunMissedDetections(seed: 3);
        Assert.Equal(firstIds, secondIds);
        Assert.Equal(first.Describe(), second.Describe());
    }

    [Fact]
    public void A_low_score_stretch_is_recovered_by_the_second_stage_and_reported()
    {
        var scene = new SyntheticScene(fps: 10);
        int a = scene.Add(100, 100, 60, 150, vx: 40, vy: 0);
        int lone = scene.Add(500, 400, 40, 40, vx: 0, vy: 0, classId: 2, score: 0.15f); // never confident: no track
        // Two seconds in which the detector is unsure of the person (half hidden, blurred).
        scene.Detector = (frame, id, s) => id == a && frame is >= 10 and < 30 ? s with { Score = 0.15f } : s;
        var outcome = scene.Run(NewTracker(), Enumerable.Range(0, 50));

        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
        int id = Assert.Single(outcome.IdsOf(a));
        var low = outcome.Entries(a).Where(e => e.Frame is >= 10 and < 30).ToList();
        Assert.Equal(20, low.Count);
        Assert.All(low, e => Assert.True(e.Kept && e.TrackId == id, $"frame {e.Frame}: kept {e.Kept}, id {e.TrackId}"));
        // A low-score detection that continues nothing is only a candidate: never reported, never tracked.
        Assert.All(outcome.Entries(lone), e => Assert.False(e.Kept));
        Assert.Empty(outcome.IdsOf(lone));
    }

    [Fact]
    public void A_live_stream_that_drops_frames_keeps_its_ids_because_the_buffer_is_in_seconds()
    {
        // 25 frames/s at the source; the pipeline gets about half of them, unevenly, and nothing at all
        // for 1.5 s (37 frames): a buffer counted in frames (30) would have retired the track.
        var random = new Random(5);
        var delivered = Enumerable.Range(0, 200).Where(f => (f < 80 || f >= 117) && random.NextDouble() < 0.5).ToList();

        var scene = new SyntheticScene(fps: 25);
        int a = scene.Add(30, 150, 60, 160, vx: 50, vy: 0);
        int b = scene.Add(700, 150, 60, 160, vx: -30, vy: 4);
        var outcome = scene.Run(NewTracker(), delivered);
        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
        Assert.Single(outcome.IdsOf(a));
        Assert.Single(outcome.IdsOf(b));

        // The same gap with a one-second buffer ends the tracks: the setting means seconds.
        var shortBuffer = new SyntheticScene(fps: 25);
        shortBuffer.Add(30, 150, 60, 160, vx: 50, vy: 0);
        var fragmented = shortBuffer.Run(NewTracker(new TrackerOptions { LostSeconds = 1.0 }), delivered);
        Assert.Equal(1, fragmented.Fragments);
    }

    [Fact]
    public void A_class_that_changes_for_one_frame_keeps_the_id()
    {
        var scene = new SyntheticScene(fps: 10);
        int a = scene.Add(100, 100, 60, 150, vx: 50, vy: 5);
        scene.Detector = (frame, _, s) => frame == 15 ? s with { ClassId = 2 } : s;
        var outcome = scene.Run(NewTracker(), Enumerable.Range(0, 40));

        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
        int id = Assert.Single(outcome.IdsOf(a));
        Assert.Equal(id, outcome.Entries(a).Single(e => e.Frame == 15).TrackId);
    }

    [Fact]
    public void Another_class_never_takes_a_track_from_its_own_class()
    {
        // A person and a bag (class 24) they carry, boxes overlapping well: neither takes the other's track.
        var scene = new SyntheticScene(fps: 10);
        int person = scene.Add(100, 100, 60, 160, vx: 30, vy: 0);
        int bag = scene.Add(110, 180, 40, 60, vx: 30, vy: 0, classId: 24, score: 0.6f);
        var outcome = scene.Run(NewTracker(), Enumerable.Range(0, 30));
        Assert.True(outcome.IdSwitches == 0 && outcome.Fragments == 0, outcome.Describe());
        Assert.Single(outcome.IdsOf(person));
        Assert.Single(outcome.IdsOf(bag));
    }

    [Fact]
    public void A_tentative_track_gets_its_id_after_the_confirming_hits_and_a_flicker_gets_none()
    {
        var tracker = NewTracker(new TrackerOptions { ConfirmHits = 3 });
        var detections = new Detections(0);
        for (int frame = 0; frame < 5; frame++)
        {
            detections.Clear();
            detections.Add(100 + frame, 100, 160 + frame, 260, 0, 0.9f);
            if (frame == 1)
            {
                detections.Add(400, 300, 440, 340, 5, 0.8f); // one frame only
            }

            tracker.Update(detections, frame * 0.1);
            Assert.Equal(frame < 2 ? -1 : 1, detections.TrackIds[0]);
            if (frame == 1)
            {
                Assert.Equal(-1, detections.TrackIds[1]);
                Assert.True(tracker.Kept[1], "a confident detection is reported even without an id");
            }
        }

        Assert.Equal(1, tracker.TracksStarted);
        Assert.Equal(1, tracker.ActiveTracks);
    }

    [Fact]
    public void Time_that_goes_back_forgets_the_tracks_but_never_reuses_an_id()
    {
        var tracker = NewTracker();
        var detections = new Detections(0);
        var seen = new List<int>();
        foreach (double t in new[] { 0.0, 0.1, 0.2, 0.0, 0.1, 0.2 }) // a looped file restarting
        {
            detections.Clear();
            detections.Add(100, 100, 160, 260, 0, 0.9f);
            tracker.Update(detections, t);
            seen.Add(detections.TrackIds[0]);
        }

        Assert.Equal([-1, 1, 1, -1, 2, 2], seen);
    }

    [Fact]
    public void A_track_lost_longer_than_its_buffer_gets_a_new_id_when_it_returns()
    {
        var tracker = NewTracker(new TrackerOptions { LostSeconds = 0.5 });
        var detections = new Detections(0);
        var ids = new List<int>();
        foreach (double t in new[] { 0.0, 0.1, 0.2, 0.9, 1.0 })
        {
            detections.Clear();
            detections.Add(100, 100, 160, 260, 0, 0.9f);
            tracker.Update(detections, t);
            ids.Add(detections.TrackIds[0]);
        }

        Assert.Equal([-1, 1, 1, -1, 2], ids);
        Assert.Equal(2, tracker.TracksStarted);
    }

    [Fact]
    public void Masks_and_keypoints_stay_with_their_object_when_candidates_are_dropped()
    {
        var tracker = NewTracker();
        var detections = new Detections(1);
        detections.Add(0, 0, 10, 10, 0, 0.9f);
        detections.Add(50, 50, 60, 60, 0, 0.15f); // low, continues nothing: dropped
        detections.Add(100, 100, 110, 110, 0, 0.8f);
        detections.SetKeypoints(2, [105, 105, 0.9f]);
        detections.RentMask(2, 100, 100, 2, 2).Pixels.Fill(1);
        tracker.Update(detections, 0);
        Assert.Equal([true, false, true], tracker.Kept.ToArray());

        detections.Compact(tracker.Kept);
        Assert.Equal(2, detections.Count);
        Assert.Equal((100f, 100f, 110f, 110f), detections.GetBox(1));
        Assert.Equal([105f, 105f, 0.9f], detections.GetKeypoints(1).ToArray());
        Assert.Equal(100, detections.GetMask(1)!.Left);
        Assert.True(detections.GetKeypoints(0).IsEmpty);
        Assert.Null(detections.GetMask(0));
    }

    [Fact]
    public void Twenty_objects_in_steady_state_allocate_nothing()
    {
        var tracker = NewTracker();
        var detections = new Detections(17);
        void Frame(int f)
        {
            detections.Clear();
            for (int k = 0; k < 20; k++)
            {
                float x = (k % 5 * 150) + (f * 2 * ((k % 2) - 0.5f)), y = k / 5 * 130;
                detections.Add(x, y, x + 60, y + 120, k % 3, 0.5f + (k * 0.02f));
            }

            tracker.Update(detections, f / 25.0);
        }

        for (int f = 0; f < 50; f++)
        {
            Frame(f);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int f = 50; f < 1050; f++)
        {
            Frame(f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(20, tracker.ActiveTracks);
        Assert.Equal(20, tracker.TracksStarted);
    }

    [Fact]
    public void Settings_out_of_range_are_named()
    {
        var error = Assert.Throws<ArgumentException>(() => NewTracker(new TrackerOptions { LowScore = 0 }));
        Assert.Contains("Tracking:LowScore", error.Message);
        // A confidence below the low threshold lowers it, rather than being an error.
        Assert.Equal(0.05f, new ObjectTracker(new TrackerOptions(), 0.05f).LowScore);
        Assert.Contains("Tracking:LostSeconds", Assert.Throws<ArgumentException>(() => NewTracker(new TrackerOptions { LostSeconds = -1 })).Message);
        Assert.Contains("Tracking:ConfirmHits", Assert.Throws<ArgumentException>(() => NewTracker(new TrackerOptions { ConfirmHits = 0 })).Message);
    }

    private static (TrackingOutcome Outcome, string Ids) RunMissedDetections(int seed)
    {
        var scene = new SyntheticScene(fps: 10, seed);
        scene.Add(20, 50, 50, 140, vx: 70, vy: 5);
        scene.Add(700, 80, 55, 150, vx: -60, vy: 0);
        scene.Add(300, 300, 60, 160, vx: 20, vy: -15);
        scene.Add(100, 380, 70, 170, vx: 45, vy: -10, score: 0.6f);
        var misses = new Random(seed);
        var missed = Enumerable.Range(0, 60 * 4).Select(_ => misses.NextDouble() < 0.3).ToArray();
        scene.Detector = (frame, id, s) => frame > 2 && missed[(frame * 4) + id] ? null : s;
        var outcome = scene.Run(NewTracker(), Enumerable.Range(0, 60));
        return (outcome, string.Join("|", Enumerable.Range(0, 4).Select(i => string.Join(",", outcome.IdsOf(i)))));
    }
}
