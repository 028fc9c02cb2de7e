using OpenCvSharp;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Inference;
using VideoMtl.Vision;

namespace VideoMtl.ModelTools.Evaluation;

/// <summary>
/// <c>model evaluate</c>: runs the teacher (a pose export), the model under test and optionally the segmentation
/// source on the same images or frames, matches the teacher's persons to the model's by box IoU (≥ 0.5, best
/// overlaps first, each used once) and scores the keypoints of every match by OKS and per-joint pixel error;
/// with a segmentation source, the model's boxes are matched to its boxes of the same class the same way.
/// </summary>
public sealed class ModelEvaluator
{
    private const float MatchIoU = 0.5f;

    /// <param name="progress">Told each image's figures as soon as it is scored.</param>
    public static EvaluationReport Run(EvaluationRequest request, InferenceSessionOptions? sessionOptions = null, Action<ImageScore>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Every < 1)
        {
            throw new ArgumentException($"--every {request.Every} is out of range: use 1 or more");
        }

        foreach (string file in request.Files.Where(f => !File.Exists(f)))
        {
            throw new FileNotFoundException($"{file}: not found (give images or videos to evaluate on)", file);
        }

        using var teacher = UltralyticsExport.Open(request.Teacher, sessionOptions);
        if (teacher.Keypoints == 0)
        {
            throw new InvalidDataException($"--teacher {request.Teacher}: not a pose export (no kpt_shape metadata)");
        }

        using var segment = request.Segment is null ? null : UltralyticsExport.Open(request.Segment, sessionOptions);
        if (!File.Exists(request.Model))
        {
            throw new FileNotFoundException($"--model {request.Model}: not found", request.Model);
        }

        using var model = MultiTaskModel.Load(request.Model, sessionOptions);
        if (!model.Description.HasPose || model.Description.Keypoints != teacher.Keypoints)
        {
            throw new InvalidDataException($"--model {request.Model}: has no pose output with {teacher.Keypoints} keypoints to compare with the teacher's");
        }

        var decoder = model.CreateDecoder();
        var detections = new Detections(model.Description.Keypoints);
        var scores = new List<ImageScore>();
        var jointError = new double[teacher.Keypoints];
        var jointCount = new int[teacher.Keypoints];
        foreach (var (name, image) in Frames(request))
        {
            using (image)
            {
                model.Infer([image], [detections], decoder);
                var persons = teacher.Detect(image).Where(o => o.ClassId == 0 && o.Score >= request.TeacherScore).ToList();
                var score = ScorePoses(name, persons, detections, jointError, jointCount);
                if (segment is not null)
                {
                    score = ScoreBoxes(score, segment.Detect(image).Where(o => o.Score >= 0.5f).ToList(), detections);
                }

                scores.Add(score);
                progress?.Invoke(score);
            }
        }

        var names = model.Description.KeypointNames.Count == teacher.Keypoints
            ? model.Description.KeypointNames
            : Enumerable.Range(0, teacher.Keypoints).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new EvaluationReport(scores, names, jointError.Select((e, k) => jointCount[k] == 0 ? (double?)null : e / jointCount[k]).ToList());
    }

    private static ImageScore ScorePoses(string name, List<ExportObject> persons, Detections detections, double[] jointError, int[] jointCount)
    {
        var candidates = Enumerable.Range(0, detections.Count).Where(i => detections.ClassIds[i] == 0 && !detections.GetKeypoints(i).IsEmpty).ToList();
        int matched = 0, oks50 = 0, oksCount = 0;
        double oksSum = 0;
        foreach (var (t, i) in Match(persons, candidates.Select(i => detections.GetBox(i)).ToList()))
        {
            matched++;
            var reference = persons[t];
            var keypoints = detections.GetKeypoints(candidates[i]);
            if (KeypointSimilarity.Compute(reference.Keypoints, keypoints, reference.Area) is { } oks)
            {
                oksSum += oks;
                oksCount++;
                oks50 += oks >= 0.5 ? 1 : 0;
            }

            for (int k = 0; k < jointError.Length; k++)
            {
                if (reference.Keypoints[(3 * k) + 2] >= 0.5f)
                {
                    jointError[k] += Math.Sqrt(Math.Pow(reference.Keypoints[3 * k] - keypoints[3 * k], 2) + Math.Pow(reference.Keypoints[(3 * k) + 1] - keypoints[(3 * k) + 1], 2));
                    jointCount[k]++;
                }
            }
        }

        return new ImageScore(name, persons.Count, matched, oks50, oksSum, oksCount, 0, 0, 0);
    }

    private static ImageScore ScoreBoxes(ImageScore score, List<ExportObject> sourceObjects, Detections detections)
    {
        int matched = 0;
        double iouSum = 0;
        foreach (int classId in sourceObjects.Select(o => o.ClassId).Distinct())
        {
            var reference = sourceObjects.Where(o => o.ClassId == classId).ToList();
            var boxes = Enumerable.Range(0, detections.Count).Where(i => detections.ClassIds[i] == classId).Select(i => detections.GetBox(i)).ToList();
            foreach (var (r, b) in Match(reference, boxes))
            {
                matched++;
                var o = reference[r];
                iouSum += BoxMath.IoU(o.X1, o.Y1, o.X2, o.Y2, boxes[b].X1, boxes[b].Y1, boxes[b].X2, boxes[b].Y2);
            }
        }

        return score with { SegmentObjects = sourceObjects.Count, SegmentMatched = matched, BoxIoUSum = iouSum };
    }

    /// <summary>Greedy one-to-one matching, largest overlaps first, at IoU ≥ 0.5 (at that threshold greedy is what COCO's evaluation does).</summary>
    private static IEnumerable<(int Reference, int Candidate)> Match(List<ExportObject> reference, List<(float X1, float Y1, float X2, float Y2)> candidates)
    {
        var pairs = new List<(float IoU, int R, int C)>();
        for (int r = 0; r < reference.Count; r++)
        {
            var o = reference[r];
            for (int c = 0; c < candidates.Count; c++)
            {
                var b = candidates[c];
                float iou = BoxMath.IoU(o.X1, o.Y1, o.X2, o.Y2, b.X1, b.Y1, b.X2, b.Y2);
                if (iou >= MatchIoU)
                {
                    pairs.Add((iou, r, c));
                }
            }
        }

        var usedReference = new HashSet<int>();
        var usedCandidate = new HashSet<int>();
        foreach (var (_, r, c) in pairs.OrderByDescending(p => p.IoU).ThenBy(p => p.R).ThenBy(p => p.C))
        {
            if (!usedReference.Contains(r) && !usedCandidate.Contains(c))
            {
                usedReference.Add(r);
                usedCandidate.Add(c);
                yield return (r, c);
            }
        }
    }

    /// <summary>Each image once; each video's frames (its last 20% with HeldOut), every Nth.</summary>
    private static IEnumerable<(string Name, Mat Image)> Frames(EvaluationRequest request)
    {
        foreach (string file in request.Files)
        {
            if (ImageFile.IsImage(file))
            {
                yield return (Path.GetFileName(file), ImageFile.Read(file));
                continue;
            }

            using var video = VideoFileReader.Open(file);
            long first = request.HeldOut && video.Info.FrameCount is { } count ? HeldOut.FirstFrame(count) : 0;
            var frame = new Mat();
            try
            {
                for (long index = 0; video.Read(frame, out _); index++)
                {
                    if (index >= first && (index - first) % request.Every == 0)
                    {
                        yield return ($"{Path.GetFileName(file)}#{index}", frame);
                        frame = new Mat(); // the consumer disposes the one it got
                    }
                }
            }
            finally
            {
                frame.Dispose();
            }
        }
    }
}
