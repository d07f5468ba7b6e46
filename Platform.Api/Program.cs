using Platform.Api;

// `Platform.Api migrate` applies the database migrations and exits; anything else serves the API.
if (args.FirstOrDefault() == "migrate")
{
    var host = PlatformApi.Build(args[1..]);
    await Bootstrapper.MigrateAsync(host.Services);
    Console.WriteLine("Migrations applied.");
    return;
}

var app = PlatformApi.Build(args);
await Bootstrapper.PrepareAsync(app.Services);
await app.RunAsync();
