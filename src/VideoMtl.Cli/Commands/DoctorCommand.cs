using System.CommandLine;
using VideoMtl.Cli.Doctor;

namespace VideoMtl.Cli.Commands;

/// <summary><c>videomtl doctor</c>: what this machine offers; exit 0 when the pipeline can run.</summary>
internal static class DoctorCommand
{
    public static Command Create(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var model = new Option<string?>("--model") { Description = "Model to check (default: models/yolov8n-mt.onnx)" };
        var threads = new Option<int>("--threads") { Description = "The --threads a run would be given (default: 0 = one per CPU available); doctor says what it leads to" };
        var command = new Command("doctor", "Check OpenCV, ONNX Runtime, execution providers, GPU, the CPUs a run may use and the model") { json, model, threads };
        command.SetAction(parse =>
        {
            int requested = parse.GetValue(threads);
            if (requested is < 0 or > 1024)
            {
                throw new UserError($"--threads {requested} is out of range: use 0 (one per CPU available) .. 1024");
            }

            var report = new DoctorRunner(parse.GetValue(model), requested).Run();
            if (parse.GetValue(json))
            {
                report.WriteJson(output);
            }
            else
            {
                report.WriteText(output);
            }

            return report.Ready ? 0 : 1;
        });
        return command;
    }
}
