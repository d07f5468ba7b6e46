using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Data;

public static class PlatformDataServices
{
    public static IServiceCollection AddPlatformData(this IServiceCollection services, string connectionString) =>
        services.AddDbContext<PlatformDbContext>(o => PlatformDbContext.Configure(o, connectionString));
}
