using Google.Protobuf;
using VideoMtl.ModelTools;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools.Tests;

public sealed class DequantizeTests
{
    [Fact]
    public void Per_tensor_weights_subtract_the_zero_point_and_scale()
    {
        var q = Quantized("w", [2, 2], [0, 128, 255, 130]);
        var zp = Quantized("zp", [], [128]);
        var scale = OnnxTensors.CreateFloat("s", [], [0.5f]);
        var w = OnnxTensors.ReadFloats(QuantizedConvRewriter.Dequantize("w_f", q, zp, scale));
        Assert.Equal(new[] { -64f, 0f, 63.5f, 1f }, w);
    }

    [Fact]
    public void Per_channel_weights_use_their_own_scale_and_zero_point()
    {
        var q = Quantized("w", [2, 3], [10, 11, 12, 20, 21, 22]);
        var zp = Quantized("zp", [2], [10, 20]);
        var scale = OnnxTensors.CreateFloat("s", [2], [1f, 0.25f]);
        var w = OnnxTensors.ReadFloats(QuantizedConvRewriter.Dequantize("w_f", q, zp, scale));
        Assert.Equal(new[] { 0f, 1f, 2f, 0f, 0.25f, 0.5f }, w);
    }

    [Fact]
    public void Signed_weights_are_read_as_int8()
    {
        var q = new Proto.TensorProto { Name = "w", DataType = OnnxTensors.Int8, RawData = ByteString.CopyFrom(0xFF, 0x01) };
        q.Dims.Add(2);
        var w = OnnxTensors.ReadFloats(QuantizedConvRewriter.Dequantize("w_f", q, null, OnnxTensors.CreateFloat("s", [], [2f])));
        Assert.Equal(new[] { -2f, 2f }, w);
    }

    [Fact]
    public void A_scale_count_that_fits_no_channel_layout_is_refused()
    {
        var q = Quantized("w", [2, 2], [1, 2, 3, 4]);
        Assert.Throws<InvalidDataException>(() => QuantizedConvRewriter.Dequantize("w_f", q, null, OnnxTensors.CreateFloat("s", [3], [1f, 1f, 1f])));
    }

    [Fact]
    public void Names_are_read_from_the_ultralytics_dictionary_literal()
    {
        var names = MultiTaskModelBuilder.ParseNames("{0: 'person', 1: \"bicycle\", 10: 'fire hydrant', 2: 'car'}");
        Assert.Equal(["0", "1", "2", "10"], names.Keys);
        Assert.Equal("fire hydrant", names["10"]);
        Assert.Throws<InvalidDataException>(() => MultiTaskModelBuilder.ParseNames("nothing here"));
    }

    private static Proto.TensorProto Quantized(string name, long[] dims, byte[] values)
    {
        var t = new Proto.TensorProto { Name = name, DataType = OnnxTensors.UInt8, RawData = ByteString.CopyFrom(values) };
        t.Dims.AddRange(dims);
        return t;
    }
}
