using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.Core.ModelBuilding;

/// <summary>Reading and writing the values of ONNX TensorProtos (raw_data or typed fields, little-endian).</summary>
internal static class OnnxTensors
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Float16 = 10;

    public static long ElementCount(Proto.TensorProto tensor) => tensor.Dims.Aggregate(1L, (a, d) => a * d);

    public static float[] ReadFloats(Proto.TensorProto tensor)
    {
        if (tensor.DataType != Float)
        {
            throw new InvalidDataException($"tensor {tensor.Name} is type {tensor.DataType}, expected float");
        }

        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            var values = new float[raw.Length / 4];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BitConverter.ToSingle(raw.Slice(i * 4, 4));
            }

            return values;
        }

        return [.. tensor.FloatData];
    }

    /// <summary>uint8/int8 values as ints (the quantized weights and their zero points).</summary>
    public static int[] ReadQuantized(Proto.TensorProto tensor)
    {
        bool signed = tensor.DataType switch
        {
            UInt8 => false,
            Int8 => true,
            _ => throw new InvalidDataException($"tensor {tensor.Name} is type {tensor.DataType}, expected uint8 or int8"),
        };
        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            var values = new int[raw.Length];
            for (int i = 0; i < raw.Length; i++)
            {
                values[i] = signed ? (sbyte)raw[i] : raw[i];
            }

            return values;
        }

        // Typed storage keeps 8-bit values in int32_data.
        return [.. tensor.Int32Data.Select(v => signed ? (int)(sbyte)v : v & 0xFF)];
    }

    public static long[] ReadInt64s(Proto.TensorProto tensor)
    {
        if (tensor.DataType != Int64)
        {
            throw new InvalidDataException($"tensor {tensor.Name} is type {tensor.DataType}, expected int64");
        }

        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            var values = new long[raw.Length / 8];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BitConverter.ToInt64(raw.Slice(i * 8, 8));
            }

            return values;
        }

        return [.. tensor.Int64Data];
    }

    public static Proto.TensorProto CreateFloat(string name, IEnumerable<long> dims, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]);
        }

        var tensor = new Proto.TensorProto { Name = name, DataType = Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static Proto.TensorProto CreateInt64(string name, IEnumerable<long> dims, ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), values[i]);
        }

        var tensor = new Proto.TensorProto { Name = name, DataType = Int64, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
