using OpenCvSharp;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Training.Tests;

public sealed class AugmentationTests
{
    [Fact]
    public void A_frame_gives_itself_its_mirror_and_random_views_that_the_seed_repeats()
    {
        using var frame = ImageFile.Read(TestData.BusJpg);
        var first = Augmentation.Views(frame, mirror: true, random: 3, new Random(4)).ToList();
        var again = Augmentation.Views(frame, mirror: true, random: 3, new Random(4)).ToList();
        try
        {
            Assert.Equal(5, first.Count);
            Assert.Equal(0, Different(first[0], frame));
            using (var back = first[1].Flip(FlipMode.Y))
            {
                Assert.Equal(0, Different(back, frame));
            }

            for (int i = 2; i < 5; i++)
            {
                Assert.Equal(MatType.CV_8UC3, first[i].Type());
                Assert.InRange(first[i].Cols, (int)(frame.Cols * 0.5), (int)(frame.Cols * 1.5) + 1);
                Assert.True(first[i].Size() != frame.Size() || Different(first[i], frame) > 0, "a random view equals the frame");
                Assert.Equal(first[i].Size(), again[i].Size());
                Assert.Equal(0, Different(first[i], again[i]));
            }
        }
        finally
        {
            first.Concat(again).ToList().ForEach(m => m.Dispose());
        }
    }

    private static int Different(Mat a, Mat b)
    {
        using var difference = new Mat();
        Cv2.Absdiff(a, b, difference);
        using var gray = difference.CvtColor(ColorConversionCodes.BGR2GRAY);
        return Cv2.CountNonZero(gray);
    }
}
