namespace Platform.Data.Entities;

/// <summary>The unit of ownership: users see and submit runs only within their team.</summary>
public class Team
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public List<User> Users { get; set; } = [];
}
