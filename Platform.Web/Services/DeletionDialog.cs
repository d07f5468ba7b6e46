using System.Net;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Platform.Web.Services;

/// <summary>
/// The confirmation before a deletion, the same on every page: what goes, and everything that cites the record (names are
/// user text, so HTML-encoded). A record that cannot go now gets an explanation instead of a choice.
/// </summary>
public static class DeletionDialog
{
    /// <summary>True when the user confirmed; the confirm button says "anyway" once the user has been told what cites the record.</summary>
    public static async Task<bool> ConfirmAsync(IDialogService dialogs, string what, string name, string consequences, string? blocked,
        IReadOnlyCollection<CitationDto> citations)
    {
        var cited = citations.Count == 0 ? "" :
            "<p>Cited by:</p><ul data-test=\"delete-citations\">" + string.Concat(citations.Select(c => $"<li>{Encode(c.Description)}</li>")) + "</ul>";
        if (blocked is not null)
        {
            await dialogs.ShowMessageBoxAsync($"This {what} cannot be deleted now", (MarkupString)($"<p>{Encode(blocked)}</p>{cited}"), yesText: "OK");
            return false;
        }
        return await dialogs.ShowMessageBoxAsync($"Delete the {what} '{name}'?",
            (MarkupString)($"<p>{Encode(consequences)} This cannot be undone.</p>{cited}"),
            yesText: citations.Count == 0 ? $"Delete {what}" : "Delete anyway", cancelText: "Keep it") == true;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
