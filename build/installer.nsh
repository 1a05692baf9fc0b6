; NSIS include for electron-builder (nsis.include). Electron's app.setLoginItemSettings writes a value under
; HKCU\Software\Microsoft\Windows\CurrentVersion\Run named after the app's AppUserModelId; remove it on uninstall so
; Windows does not try to start a program that is gone.
!macro customUnInstall
  DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "dev.ccproxy.desktop"
  DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "electron.app.CCProxy Desktop"
  DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "CCProxy Desktop"
!macroend
