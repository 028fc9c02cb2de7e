using System.Buffers;
using System.Runtime.InteropServices;
using VideoMtl.Onnx.Interop;

namespace VideoMtl.Onnx;

/// <summary>
/// An OrtValue tensor. Either over caller-owned memory (pinned for the tensor's lifetime, never copied)
/// or allocated by ORT (session outputs). Dispose releases the OrtValue and unpins the memory; the
/// caller's buffer must not be reused for other data while a Run that reads it is in flight.
/// </summary>
public sealed unsafe class OrtTensor : IDisposable
{
    private readonly long[] _shape;
    private MemoryHandle _pin;

    private OrtTensor(OrtValueHandle handle, TensorElementType elementType, long[] shape, MemoryHandle pin)
    {
        Handle = handle;
        ElementType = elementType;
        _shape = shape;
        _pin = pin;
    }

    public TensorElementType ElementType { get; }

    public IReadOnlyList<long> Shape => _shape;

    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long d in _shape)
            {
                count *= d;
            }

            return count;
        }
    }

    internal OrtValueHandle Handle { get; }

    /// <summary>Wraps <paramref name="data"/> without copying; it must hold exactly the shape's element count.</summary>
    public static OrtTensor FromMemory<T>(Memory<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        var elementType = ElementTypeOf<T>();
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("tensor dimensions must not be negative", nameof(shape));
            }

            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(',', shape.ToArray())}] needs {count} elements but the buffer has {data.Length}", nameof(data));
        }

        var api = OrtLibrary.Api;
        MemoryHandle pin = data.Pin();
        try
        {
            long[] dims = shape.ToArray();
            nint value;
            fixed (long* dimsPtr = dims)
            {
                OrtStatus.VerifySuccess(api.CreateTensorWithDataAsOrtValue(
                    OrtLibrary.CpuMemoryInfo.DangerousGetHandle(),
                    pin.Pointer,
                    (nuint)(count * sizeof(T)),
                    dimsPtr,
                    (nuint)dims.Length,
                    (int)elementType,
                    &value));
            }

            var handle = new OrtValueHandle();
            Marshal.InitHandle(handle, value);
            return new OrtTensor(handle, elementType, dims, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>A tensor over a new pinned managed array of the given shape (zeroed).</summary>
    public static OrtTensor Allocate<T>(ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        long count = 1;
        foreach (long d in shape)
        {
            count *= d;
        }

        var array = GC.AllocateArray<T>(checked((int)count), pinned: true);
        return FromMemory<T>(array, shape);
    }

    /// <summary>The tensor's elements; valid while the tensor is alive.</summary>
    public Span<T> GetData<T>()
        where T : unmanaged
    {
        if (ElementTypeOf<T>() != ElementType)
        {
            throw new InvalidOperationException($"tensor holds {ElementType}, not {typeof(T).Name}");
        }

        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        void* data;
        OrtStatus.VerifySuccess(OrtLibrary.Api.GetTensorMutableData(Handle.DangerousGetHandle(), &data));
        return new Span<T>(data, checked((int)ElementCount));
    }

    public void Dispose()
    {
        Handle.Dispose();
        _pin.Dispose();
        _pin = default;
    }

    /// <summary>Takes ownership of an OrtValue* that ORT allocated (a Run or IoBinding output).</summary>
    internal static OrtTensor FromOwnedValue(nint value)
    {
        var handle = new OrtValueHandle();
        Marshal.InitHandle(handle, value);
        try
        {
            var api = OrtLibrary.Api;
            nint info;
            OrtStatus.VerifySuccess(api.GetTensorTypeAndShape(value, &info));
            using var infoHandle = new OrtTensorTypeAndShapeInfoHandle();
            Marshal.InitHandle(infoHandle, info);
            var (type, shape, _) = ReadTypeAndShape(info, symbolic: false);
            return new OrtTensor(handle, type, shape, default);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads element type, dimensions and (optionally) dimension names of an OrtTensorTypeAndShapeInfo*.</summary>
    internal static (TensorElementType Type, long[] Shape, string[] Symbolic) ReadTypeAndShape(nint info, bool symbolic)
    {
        var api = OrtLibrary.Api;
        int type;
        OrtStatus.VerifySuccess(api.GetTensorElementType(info, &type));
        nuint rank;
        OrtStatus.VerifySuccess(api.GetDimensionsCount(info, &rank));
        var dims = new long[(int)rank];
        var names = new string[(int)rank];
        fixed (long* dimsPtr = dims)
        {
            OrtStatus.VerifySuccess(api.GetDimensions(info, dimsPtr, rank));
        }

        if (symbolic && rank > 0)
        {
            var namePtrs = new nint[(int)rank];
            fixed (nint* p = namePtrs)
            {
                OrtStatus.VerifySuccess(api.GetSymbolicDimensions(info, (byte**)p, rank));
            }

            for (int i = 0; i < names.Length; i++)
            {
                names[i] = Marshal.PtrToStringUTF8(namePtrs[i]) ?? string.Empty;
            }
        }
        else
        {
            Array.Fill(names, string.Empty);
        }

        return ((TensorElementType)type, dims, names);
    }

    internal static TensorElementType ElementTypeOf<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return TensorElementType.Float;
        }

        if (typeof(T) == typeof(Half))
        {
            return TensorElementType.Float16;
        }

        if (typeof(T) == typeof(double))
        {
            return TensorElementType.Double;
        }

        if (typeof(T) == typeof(byte))
        {
            return TensorElementType.UInt8;
        }

        if (typeof(T) == typeof(sbyte))
        {
            return TensorElementType.Int8;
        }

        if (typeof(T) == typeof(int))
        {
            return TensorElementType.Int32;
        }

        if (typeof(T) == typeof(long))
        {
            return TensorElementType.Int64;
        }

        if (typeof(T) == typeof(bool))
        {
            return TensorElementType.Bool;
        }

        throw new NotSupportedException($"no ONNX tensor element type for {typeof(T).Name}");
    }
}
