namespace VideoMtl.Onnx.Interop;

/// <summary>
/// Positions of the functions we call in the OrtApi table (onnxruntime_c_api.h, struct OrtApi). ORT only
/// ever appends to that struct, so these positions hold for every version at or above
/// <see cref="OrtApiTable.RequestedApiVersion"/>.
/// </summary>
internal static class OrtApiSlots
{
    public const int GetErrorCode = 1;
    public const int GetErrorMessage = 2;
    public const int CreateEnvWithCustomLogger = 4;
    public const int DisableTelemetryEvents = 6;
    public const int CreateSession = 7;
    public const int CreateSessionFromArray = 8;
    public const int Run = 9;
    public const int CreateSessionOptions = 10;
    public const int SetSessionExecutionMode = 13;
    public const int SetSessionLogSeverityLevel = 22;
    public const int SetSessionGraphOptimizationLevel = 23;
    public const int SetIntraOpNumThreads = 24;
    public const int SetInterOpNumThreads = 25;
    public const int SessionGetInputCount = 30;
    public const int SessionGetOutputCount = 31;
    public const int SessionGetInputTypeInfo = 33;
    public const int SessionGetOutputTypeInfo = 34;
    public const int SessionGetInputName = 36;
    public const int SessionGetOutputName = 37;
    public const int CreateRunOptions = 39;
    public const int RunOptionsSetTerminate = 46;
    public const int CreateTensorAsOrtValue = 48;
    public const int CreateTensorWithDataAsOrtValue = 49;
    public const int GetTensorMutableData = 51;
    public const int CastTypeInfoToTensorInfo = 55;
    public const int GetOnnxTypeFromTypeInfo = 56;
    public const int GetTensorElementType = 60;
    public const int GetDimensionsCount = 61;
    public const int GetDimensions = 62;
    public const int GetSymbolicDimensions = 63;
    public const int GetTensorTypeAndShape = 65;
    public const int CreateMemoryInfo = 68;
    public const int CreateCpuMemoryInfo = 69;
    public const int AllocatorFree = 76;
    public const int GetAllocatorWithDefaultOptions = 78;
    public const int ReleaseEnv = 92;
    public const int ReleaseStatus = 93;
    public const int ReleaseMemoryInfo = 94;
    public const int ReleaseSession = 95;
    public const int ReleaseValue = 96;
    public const int ReleaseRunOptions = 97;
    public const int ReleaseTypeInfo = 98;
    public const int ReleaseTensorTypeAndShapeInfo = 99;
    public const int ReleaseSessionOptions = 100;
    public const int SessionGetModelMetadata = 111;
    public const int ModelMetadataGetProducerName = 112;
    public const int ModelMetadataGetGraphName = 113;
    public const int ModelMetadataGetDomain = 114;
    public const int ModelMetadataGetDescription = 115;
    public const int ModelMetadataLookupCustomMetadataMap = 116;
    public const int ModelMetadataGetVersion = 117;
    public const int ReleaseModelMetadata = 118;
    public const int ModelMetadataGetCustomMetadataMapKeys = 123;
    public const int GetAvailableProviders = 125;
    public const int ReleaseAvailableProviders = 126;
    public const int AddSessionConfigEntry = 130;
    public const int CreateAllocator = 131;
    public const int ReleaseAllocator = 132;
    public const int RunWithBinding = 133;
    public const int CreateIoBinding = 134;
    public const int ReleaseIoBinding = 135;
    public const int BindInput = 136;
    public const int BindOutput = 137;
    public const int BindOutputToDevice = 138;
    public const int GetBoundOutputValues = 140;
    public const int ClearBoundInputs = 141;
    public const int ClearBoundOutputs = 142;
    public const int SessionOptionsAppendExecutionProvider_TensorRT_V2 = 170;
    public const int CreateTensorRTProviderOptions = 171;
    public const int UpdateTensorRTProviderOptions = 172;
    public const int ReleaseTensorRTProviderOptions = 174;
    public const int SessionOptionsAppendExecutionProvider_CUDA_V2 = 204;
    public const int CreateCUDAProviderOptions = 205;
    public const int UpdateCUDAProviderOptions = 206;
    public const int ReleaseCUDAProviderOptions = 208;
}
